package lizardrules

import "fmt"

// Chip is the controller's chip, which decides which GPIOs exist.
type Chip string

// The chips Lizard builds for (module_helpers.h).
const (
	ESP32   Chip = "esp32"
	ESP32S3 Chip = "esp32s3"
)

// Chips lists the chips the checker knows.
func Chips() []Chip { return []Chip{ESP32, ESP32S3} }

// PinUse is how a module uses a GPIO.
type PinUse int

// Pin uses: an output drives the pin (a UART's or CAN's TX, an
// expander's boot and enable lines), an input only reads it.
const (
	PinInput PinUse = iota
	PinOutput
)

// CheckPin says why gpio cannot be used this way on the chip, or nil.
//
// ESP32: GPIO 0-19, 21-23, 25-27 and 32-39 exist; 34-39 are input-only
// (gpio_set_direction to output fails, and twai_driver_install refuses a
// TX pin there, which Can's ESP_ERROR_CHECK turns into an abort); 6-11
// carry the SPI flash, so claiming one stops the chip.
// ESP32-S3: GPIO 0-21 and 26-48 exist; 26-32 carry the SPI flash.
func (c Chip) CheckPin(gpio int, use PinUse) error {
	switch c {
	case ESP32S3:
		switch {
		case gpio < 0 || gpio > 48 || (gpio > 21 && gpio < 26):
			return fmt.Errorf("GPIO %d does not exist on an ESP32-S3", gpio)
		case gpio >= 26 && gpio <= 32:
			return fmt.Errorf("GPIO %d is wired to the ESP32-S3's SPI flash", gpio)
		}
		return nil
	default:
		switch {
		case gpio < 0 || gpio > 39 || gpio == 20 || gpio == 24 || (gpio >= 28 && gpio <= 31):
			return fmt.Errorf("GPIO %d does not exist on an ESP32", gpio)
		case gpio >= 6 && gpio <= 11:
			return fmt.Errorf("GPIO %d is wired to the ESP32's SPI flash", gpio)
		case use == PinOutput && gpio >= 34:
			return fmt.Errorf("GPIO %d is input-only on an ESP32 and cannot drive an output", gpio)
		}
		return nil
	}
}

// I2CDefaults are the SDA and SCL pins Lizard's Imu() uses without
// arguments (DEFAULT_I2C_SDA_PIN, DEFAULT_I2C_SCL_PIN).
func (c Chip) I2CDefaults() (sda, scl int) {
	if c == ESP32S3 {
		return 8, 9
	}
	return 21, 22
}

// ODriveCANIDs are the CAN IDs an ODriveMotor at node address id
// subscribes to on its bus (odrive_motor.cpp's subscribe_to_can): two
// motors whose sets meet make the second constructor throw "there is
// already a subscriber for this CAN ID".
func ODriveCANIDs(id int) [4]int { return [4]int{id + 0x001, id + 0x009, id + 0x014, id + 0x01e} }
