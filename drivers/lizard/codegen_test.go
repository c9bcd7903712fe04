package lizard_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gorosys/rosys/drivers/lizard"
)

// fieldRobot is a field robot with every module type, as robot.yaml would
// declare it (in an order that needs sorting: the expander's serial comes
// after the modules behind the expander).
func fieldRobot() []lizard.Module {
	return []lizard.Module{
		&lizard.Wheels{Object: "wheels", Can: "can", LeftCanAddress: 0, RightCanAddress: 0x100, MPerTick: 0.01, Width: 0.45,
			RightReversed: true, ODriveVersion: 6, HostTimeout: time.Second},
		&lizard.Can{Object: "can", RxPin: 32, TxPin: 33},
		lizard.NewEStop("estop", []lizard.Pin{{Name: "front", GPIO: 34}, {Name: "back", GPIO: 35}}, true, ""),
		lizard.NewBumper("bumper", []lizard.Pin{{Name: "front_left", GPIO: 21}, {Name: "front_right", GPIO: 22}}, false, "p0"),
		&lizard.Battery{Object: "battery", RxPin: 26, TxPin: 27, Expander: "p0"},
		&lizard.IMU{Object: "imu"},
		&lizard.Expander{Object: "p0", Serial: "p0_serial", Boot: 25, Enable: 14},
		&lizard.Serial{Object: "p0_serial", RxPin: 16, TxPin: 17},
	}
}

const fieldRobotCode = `can = Can(32, 33, 1000000)
wheels_left = ODriveMotor(can, 0, 6)
wheels_right = ODriveMotor(can, 256, 6)
wheels_left.m_per_tick = 0.01
wheels_right.m_per_tick = 0.01
wheels_left.reversed = false
wheels_right.reversed = true
wheels = ODriveWheels(wheels_left, wheels_right)
wheels.width = 0.45
when core.last_message_age > 1000 then wheels.speed(0, 0); end
estop_front = Input(34)
estop_front.inverted = true
estop_back = Input(35)
estop_back.inverted = true
imu = Imu()
p0_serial = Serial(16, 17, 115200, 1)
p0 = Expander(p0_serial, 25, 14)
bumper_front_left = p0.Input(21)
bumper_front_right = p0.Input(22)
battery = p0.Serial(26, 27, 9600, 1)
battery.unmute()
core.output("core.millis wheels.linear_speed:3 wheels.angular_speed:3 estop_front.active estop_back.active imu.cal_sys imu.cal_gyr imu.cal_acc imu.cal_mag imu.quat_w:4 imu.quat_x:4 imu.quat_y:4 imu.quat_z:4 p0.is_ready bumper_front_left.active bumper_front_right.active")
`

func TestGenerateFieldRobot(t *testing.T) {
	code, fields, err := lizard.Generate(fieldRobot())
	if err != nil {
		t.Fatal(err)
	}
	if got := code.String(); got != fieldRobotCode {
		t.Fatalf("generated code differs:\n%s\nwant:\n%s", got, fieldRobotCode)
	}
	if len(fields) != 15 {
		t.Fatalf("%d fields", len(fields))
	}
	// Generating again gives the same bytes: the checksum is stable.
	again, _, _ := lizard.Generate(fieldRobot())
	if again.Checksum() != code.Checksum() || again.String() != code.String() {
		t.Fatal("generation is not deterministic")
	}
}

// TestGeneratePerModule pins each module type's code and fields.
func TestGeneratePerModule(t *testing.T) {
	for _, tc := range []struct {
		name   string
		m      []lizard.Module
		code   string
		fields string
	}{
		{"custom wheels", []lizard.Module{&lizard.Wheels{Object: "drive", Driver: "custom"}}, "",
			"drive.linear_speed:3 drive.angular_speed:3"},
		{"odrive defaults", []lizard.Module{&lizard.Can{Object: "can", RxPin: 32, TxPin: 33}, &lizard.Wheels{Can: "can", RightCanAddress: 256}},
			"can = Can(32, 33, 1000000)|wheels_left = ODriveMotor(can, 0)|wheels_right = ODriveMotor(can, 256)|wheels_left.m_per_tick = 0.01|wheels_right.m_per_tick = 0.01|wheels_left.reversed = false|wheels_right.reversed = false|wheels = ODriveWheels(wheels_left, wheels_right)|wheels.width = 0.5",
			"wheels.linear_speed:3 wheels.angular_speed:3"},
		{"estop not inverted", []lizard.Module{lizard.NewEStop("stop", []lizard.Pin{{Name: "a", GPIO: 4}}, false, "")},
			"stop_a = Input(4)", "stop_a.active"},
		{"bumper inverted", []lizard.Module{lizard.NewBumper("bumper", []lizard.Pin{{Name: "front", GPIO: 5}}, true, "")},
			"bumper_front = Input(5)|bumper_front.inverted = true", "bumper_front.active"},
		{"battery", []lizard.Module{&lizard.Battery{Object: "bms", RxPin: 26, TxPin: 27, Baud: 9600}},
			"bms = Serial(26, 27, 9600, 1)|bms.unmute()", ""},
		{"imu", []lizard.Module{&lizard.IMU{}},
			"imu = Imu()", "imu.cal_sys imu.cal_gyr imu.cal_acc imu.cal_mag imu.quat_w:4 imu.quat_x:4 imu.quat_y:4 imu.quat_z:4"},
		{"expander without pins", []lizard.Module{&lizard.Serial{Object: "s", RxPin: 1, TxPin: 2, Baud: 921600, Num: 2}, &lizard.Expander{Object: "p0", Serial: "s", Boot: -1, Enable: -1}},
			"s = Serial(1, 2, 921600, 2)|p0 = Expander(s)", "p0.is_ready"},
		{"code", []lizard.Module{&lizard.CodeLines{Object: "rules", Lines: []string{"led = Output(2)", "led.on()"}}},
			"led = Output(2)|led.on()", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, err := lizard.Generate(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			if tc.code != "" {
				want = strings.ReplaceAll(tc.code, "|", "\n") + "\n"
			}
			want += `core.output("core.millis` + prefixSpace(tc.fields) + `")` + "\n"
			if got := code.String(); got != want {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func prefixSpace(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}

func TestGenerateRejectsBadReferences(t *testing.T) {
	for name, mods := range map[string][]lizard.Module{
		"missing can":  {&lizard.Wheels{Can: "can0"}},
		"cycle":        {&lizard.Expander{Object: "a", Serial: "b"}, &lizard.Serial{Object: "b", Expander: "a"}},
		"duplicate":    {&lizard.IMU{}, &lizard.IMU{}},
		"field twice":  {&lizard.Wheels{Object: "w", Driver: "custom"}, &lizard.Wheels{Object: "v", Driver: "custom", LinearField: "w.linear_speed", AngularField: "x"}},
		"missing ser.": {&lizard.Expander{Object: "p0", Serial: "nope"}},
	} {
		if _, _, err := lizard.Generate(mods); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestStartupChecksum is Lizard's definition: the byte sum of the stored
// script (each line plus "\n") in 16 bits, wrapping.
func TestStartupChecksum(t *testing.T) {
	if got := (lizard.Code{"a", "b"}).Checksum(); got != 'a'+'\n'+'b'+'\n' {
		t.Fatalf("%04x", got)
	}
	long := make(lizard.Code, 1000)
	for i := range long {
		long[i] = "zzzzzzzzzz" // 11 bytes of at most 122 each: wraps
	}
	want := uint16((1000 * (10*'z' + '\n')) % 65536)
	if got := long.Checksum(); got != want {
		t.Fatalf("%04x, want %04x", got, want)
	}
}
