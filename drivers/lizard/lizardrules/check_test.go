package lizardrules

import (
	"strings"
	"testing"
)

// good is code the firmware runs to the end: what rosys generates for a
// robot with every module type, on the main controller and on an
// expander, and hand-written lines of every statement form.
var good = []string{
	"can = Can(32, 33, 1000000)",
	"wheels_left = ODriveMotor(can, 0)",
	"wheels_right = ODriveMotor(can, 0x100, 6)",
	"wheels_left.m_per_tick = 0.01",
	"wheels_left.reversed = false",
	"wheels = ODriveWheels(wheels_left, wheels_right)",
	"wheels.width = 1",
	"when core.last_message_age > 1000 then wheels.speed(0, 0); end",
	"estop_front = Input(34)",
	"estop_front.inverted = true",
	"p0_serial = Serial(26, 27, 115200, 1)",
	"p0 = Expander(p0_serial, 25, 14)",
	"bumper_front = p0.Input(4)",
	"battery = p0.Serial(26, 27, 9600, 1)",
	"battery.unmute()",
	"serial = Serial(16, 17, 9600, 2)",
	"p0_can = p0.Can(32, 33, 500000)",
	"p0_imu = p0.Imu()",
	"imu = Imu()",
	"int n = 3; float x = -2 * (n + 1.5) ** 2",
	"let stop do wheels.off(); end",
	"when !estop_front.active and n >= 0 then stop(); n = n - 1; end",
	"# a comment",
	"",
	`core.output("core.millis wheels.linear_speed:3 wheels.angular_speed:3 estop_front.active p0.is_ready bumper_front.active imu.cal_sys imu.quat_w:4 p0_imu.quat_x:4 n x:2")`,
}

func TestCheckAcceptsWhatTheFirmwareRuns(t *testing.T) {
	for _, v := range Check(good, Options{}) {
		t.Errorf("%v", v)
	}
}

// Two BNO055s on one I2C bus (addresses 0x28 and 0x29): the second Imu
// shares the port the first set up (I2cBusManager::ensure), so the
// firmware runs both; their pins are the bus's, not taken twice.
func TestCheckAcceptsTwoIMUsSharingABus(t *testing.T) {
	for _, script := range [][]string{
		{"imu = Imu()", "imu2 = Imu(0, 21, 22, 0x29)"},
		{"imu = Imu(0, 21, 22, 0x28, 400000)", "imu2 = Imu(0, 21, 22, 41, 400000)"},
		{"imu = Imu()", "imu2 = Imu(1, 18, 19)"},
	} {
		for _, v := range Check(script, Options{}) {
			t.Errorf("%q: %v", script, v)
		}
	}
	// Another port's pins are still pins: the second bus may not take
	// the first one's.
	if v := Check([]string{"imu = Imu()", "imu2 = Imu(1, 21, 19)"}, Options{}); len(v) != 1 || !strings.Contains(v[0].Msg, "21") {
		t.Errorf("a second port on the first one's SDA pin: %v", v)
	}
}

func TestCheckRefusesWhatTheFirmwareRejects(t *testing.T) {
	long := strings.Repeat("x", 1019)
	var bumpers []string
	fields := "core.millis"
	for i := range 20 {
		name := "bumper_with_a_rather_long_name_" + string(rune('a'+i))
		bumpers = append(bumpers, name+" = Input(4)")
		fields += " " + name + ".active " + name + ".level"
	}
	for _, tc := range []struct {
		name   string
		script []string
		want   string // in the violation of the last line
	}{
		// Imu() sets up its I2C port through I2cBusManager: a second
		// Imu on the port must name the same pins and clock ("i2c bus
		// already initialized with different parameters"), and one at
		// the same address would drive the same BNO055.
		{"two IMUs at one address", []string{"imu = Imu()", "imu2 = Imu()"}, "address 0x28 on I2C port 0"},
		{"two IMUs at one address on an expander", []string{"s = Serial(26, 27, 115200, 1)", "p0 = Expander(s, 25, 14)", "a = p0.Imu()", "b = p0.Imu(0)"}, "address 0x28 on I2C port 0"},
		{"I2C port set up with other pins", []string{"imu = Imu()", "imu2 = Imu(0, 18, 19, 0x29)"}, "i2c bus already initialized with different parameters"},
		{"I2C port set up with another clock", []string{"imu = Imu(0, 21, 22, 0x28, 400000)", "imu2 = Imu(0, 21, 22, 0x29)"}, "i2c bus already initialized with different parameters"},
		{"two serials on one UART", []string{"battery = Serial(26, 27, 9600, 1)", "p0_serial = Serial(16, 17, 115200, 1)"}, "already used"},
		{"UART 0 is the console", []string{"s = Serial(16, 17, 115200, 0)"}, "UART 0"},
		{"same UART on an expander", []string{"s = Serial(16, 17, 115200, 1)", "p0 = Expander(s)", "a = p0.Serial(1, 2, 9600, 2)", "b = p0.Serial(3, 4, 9600, 2)"}, "already used"},
		{"can on an expander for a motor", []string{"s = Serial(16, 17, 115200, 1)", "p0 = Expander(s)", "can = p0.Can(32, 33, 1000000)", "m = ODriveMotor(can, 0)"}, "proxy"},
		{"serial on an expander for an expander", []string{"s = Serial(16, 17, 115200, 1)", "p0 = Expander(s)", "qs = p0.Serial(26, 27, 115200, 1)", "q = Expander(qs)"}, "proxy"},
		{"module on a proxy expander", []string{"s = Serial(16, 17, 115200, 1)", "p0 = Expander(s)", "qs = p0.Serial(26, 27, 115200, 1)", "q = p0.Expander(qs)", "x = q.Input(4)"}, "not an expander"},
		{"two CAN buses", []string{"a = Can(32, 33, 1000000)", "b = Can(4, 5, 1000000)"}, "one TWAI"},
		{"CAN baud", []string{"a = Can(32, 33, 115200)"}, "invalid baud"},
		{"CAN TX on an input-only pin", []string{"a = Can(32, 34, 1000000)"}, "input-only"},
		{"flash pin", []string{"a = Input(7)"}, "SPI flash"},
		{"missing GPIO", []string{"a = Input(24)"}, "does not exist"},
		{"pin used twice", []string{"a = Input(4)", "b = Input(4)"}, "already used"},
		{"I2C pin taken", []string{"a = Input(21)", "imu = Imu()"}, "already used"},
		{"ODrive CAN IDs meet", []string{"can = Can(32, 33, 1000000)", "l = ODriveMotor(can, 0)", "r = ODriveMotor(can, 8)"}, "subscriber"},
		{"wrong argument type", []string{"a = Input(4.0)"}, "type mismatch"},
		{"wrong argument count", []string{"a = Can(32, 33)"}, "takes 3 arguments"},
		{"unknown module type", []string{"a = Inptu(4)"}, "unknown module type"},
		{"module twice", []string{"a = Input(4)", "a = Input(5)"}, "already exists"},
		{"property type", []string{"a = Input(4)", "a.inverted = 1"}, "type mismatch"},
		{"unknown property", []string{"a = Input(4)", "a.invrted = true"}, "unknown property"},
		{"unknown module in a rule", []string{"when core.millis > 0 then wheels.speed(0, 0); end"}, "unknown module"},
		{"syntax", []string{"a = Input(4"}, "does not parse"},
		{"unterminated rule", []string{"when core.millis > 0 then core.keep_alive()"}, "does not parse"},
		{"line longer than the host buffer", []string{"core.print(\"" + long + "\")"}, "line too long"},
		{"output of an unknown property", []string{"a = Input(4)", `core.output("core.millis a.activ")`}, "unknown property"},
		{"core line wider than the output buffer", append(bumpers[:1], `core.output("`+fields+`")`), "unknown module"},
		{"proxy line too long for the expander", []string{"s = Serial(16, 17, 115200, 1)", "p0 = Expander(s)", strings.Repeat("p", 250) + " = p0.Input(4)"}, "send_proxy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := Check(tc.script, Options{})
			if len(vs) == 0 {
				t.Fatalf("no violation for %q", tc.script)
			}
			last := vs[len(vs)-1]
			if last.Line != len(tc.script)-1 || !strings.Contains(last.Msg, tc.want) {
				t.Fatalf("violations %v, want one on line %d with %q", vs, len(tc.script), tc.want)
			}
		})
	}
}

func TestCoreLineWidthIsBounded(t *testing.T) {
	// 50 integer variables make a core line wider than Lizard's 1 024-byte
	// output buffer, though each line is short.
	var script []string
	fields := "core.millis"
	for i := range 50 {
		name := "v" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		script = append(script, "int "+name)
		fields += " " + name
	}
	vs := Check(append(script, `core.output("`+fields+`")`), Options{Chip: ESP32})
	found := false
	for _, v := range vs {
		if v.Line == len(script) && strings.Contains(v.Msg, "output buffer") {
			found = true
		}
	}
	if !found {
		t.Fatalf("core line width not refused: %v", vs)
	}
	// The widths: 1 + 40 × (5 + 20) + 80 separators + the millis.
	if w := fieldWidth(tyInteger, "millis", 0); w != 20 {
		t.Fatalf("integer width %d", w)
	}
	if w := fieldWidth(tyNumber, "quat_w", 4); w != len("-1.0000") {
		t.Fatalf("quaternion width %d", w)
	}
	if w := fieldWidth(tyNumber, "linear_speed", 3); w != 1+NumberIntDigits+4 {
		t.Fatalf("number width %d", w)
	}
}

func TestChipPins(t *testing.T) {
	for _, tc := range []struct {
		chip Chip
		gpio int
		use  PinUse
		ok   bool
	}{
		{ESP32, 34, PinInput, true}, {ESP32, 34, PinOutput, false}, {ESP32, 39, PinOutput, false},
		{ESP32, 33, PinOutput, true}, {ESP32, 40, PinInput, false}, {ESP32, 6, PinInput, false},
		{ESP32S3, 34, PinOutput, true}, {ESP32S3, 48, PinOutput, true}, {ESP32S3, 22, PinInput, false},
		{ESP32S3, 27, PinInput, false}, {ESP32S3, 8, PinInput, true},
	} {
		if err := tc.chip.CheckPin(tc.gpio, tc.use); (err == nil) != tc.ok {
			t.Errorf("%s GPIO %d use %d: %v, want ok=%v", tc.chip, tc.gpio, tc.use, err, tc.ok)
		}
	}
}
