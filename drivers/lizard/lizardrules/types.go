package lizardrules

// valueType is a Lizard value type (compilation/type.h).
type valueType int

const (
	tyUnknown valueType = iota
	tyBoolean
	tyInteger
	tyNumber
	tyString
	tyIdentifier
)

func (t valueType) String() string {
	return [...]string{"unknown", "boolean", "integer", "number", "string", "identifier"}[t]
}

// moduleType is what the checker knows of one of Lizard's module types:
// its constructor's signatures and its properties (get_defaults). A type
// Lizard registers but the checker does not model has nil signatures: its
// arguments and properties are not checked.
type moduleType struct {
	// signatures: each is the argument types of one accepted form.
	signatures [][]argType
	props      map[string]valueType
	// methods with a fixed argument count (the checker's subset).
	methods map[string]int
}

// argType is one constructor argument: a value type, or a module of a
// given type (an identifier Lizard's get_module_argument resolves, which
// refuses proxies).
type argType struct {
	ty     valueType
	module string
}

func integer() argType           { return argType{ty: tyInteger} }
func moduleArg(t string) argType { return argType{ty: tyIdentifier, module: t} }

var baseMethods = map[string]int{"mute": 0, "unmute": 0, "broadcast": 0, "shadow": 1}

// moduleTypes are Lizard's registered module types (REGISTER_MODULE in
// main/modules/*.cpp); those rosys generates are modelled.
var moduleTypes = map[string]*moduleType{
	"Serial": {
		signatures: [][]argType{{integer(), integer(), integer(), integer()}},
		props:      map[string]valueType{},
		methods:    map[string]int{"read": 0},
	},
	"Can": {
		signatures: [][]argType{{integer(), integer(), integer()}},
		props: map[string]valueType{"state": tyString, "tx_error_counter": tyInteger, "rx_error_counter": tyInteger,
			"msgs_to_tx": tyInteger, "msgs_to_rx": tyInteger, "tx_failed_count": tyInteger, "rx_missed_count": tyInteger,
			"rx_overrun_count": tyInteger, "arb_lost_count": tyInteger, "bus_error_count": tyInteger},
		methods: map[string]int{"send": 9, "get_status": 0, "start": 0, "stop": 0, "reset": 0},
	},
	"Expander": {
		signatures: [][]argType{{moduleArg("Serial")}, {moduleArg("Serial"), integer(), integer()}},
		props: map[string]valueType{"boot_timeout": tyNumber, "ping_interval": tyNumber, "ping_timeout": tyNumber,
			"is_ready": tyBoolean, "last_message_age": tyInteger},
	},
	"Input": {
		signatures: [][]argType{{integer()}, {moduleArg("Mcp23017"), integer()}},
		props:      map[string]valueType{"level": tyInteger, "change": tyInteger, "inverted": tyBoolean, "active": tyBoolean},
		methods:    map[string]int{"get": 0, "pullup": 0, "pulldown": 0, "pulloff": 0},
	},
	"Output": {
		signatures: [][]argType{{integer()}, {moduleArg("Mcp23017"), integer()}},
		props: map[string]valueType{"level": tyInteger, "change": tyInteger, "inverted": tyBoolean, "active": tyBoolean,
			"enabled": tyBoolean},
		// Lizard's output.on(), .off() and .level(value): relays, lights,
		// a linear axis's motor directions (examples/linearaxis).
		methods: map[string]int{"on": 0, "off": 0, "level": 1},
	},
	"ODriveMotor": {
		signatures: [][]argType{{moduleArg("Can"), integer()}, {moduleArg("Can"), integer(), integer()}},
		props: map[string]valueType{"position": tyNumber, "speed": tyNumber, "tick_offset": tyNumber, "m_per_tick": tyNumber,
			"reversed": tyBoolean, "axis_state": tyInteger, "axis_error": tyInteger, "motor_error_flag": tyInteger,
			"motor_temperature": tyNumber, "current": tyNumber, "current_setpoint": tyNumber, "enabled": tyBoolean},
	},
	"ODriveWheels": {
		signatures: [][]argType{{moduleArg("ODriveMotor"), moduleArg("ODriveMotor")}},
		props: map[string]valueType{"width": tyNumber, "linear_speed": tyNumber, "angular_speed": tyNumber,
			"enabled": tyBoolean, "locked": tyBoolean},
		methods: map[string]int{"speed": 2, "power": 2, "off": 0},
	},
	"Imu": {
		signatures: [][]argType{{}, {integer()}, {integer(), integer()}, {integer(), integer(), integer()},
			{integer(), integer(), integer(), integer()}, {integer(), integer(), integer(), integer(), integer()}},
		props: imuProps(),
	},
}

func imuProps() map[string]valueType {
	p := map[string]valueType{"cal_sys": tyInteger, "cal_gyr": tyInteger, "cal_acc": tyInteger, "cal_mag": tyInteger,
		"temp": tyInteger, "data_select": tyInteger}
	for _, n := range []string{"acc", "mag", "gyr", "lin", "grav"} {
		for _, a := range []string{"_x", "_y", "_z"} {
			p[n+a] = tyNumber
		}
	}
	for _, n := range []string{"yaw", "roll", "pitch", "quat_w", "quat_x", "quat_y", "quat_z"} {
		p[n] = tyNumber
	}
	return p
}

// unmodelled are the other types Lizard registers: constructing one is
// not an "unknown module type", but its arguments are not checked.
var unmodelled = []string{"Analog", "AnalogUnit", "Bluetooth", "CanOpenMaster", "CanOpenMotor", "D1Motor", "DunkerMotor",
	"DunkerWheels", "ImuBno085", "LinearMotor", "Mcp23017", "MksServoMotor", "MotorAxis", "PwmOutput", "RmdMotor", "RmdPair",
	"RoboClaw", "RoboClawMotor", "RoboClawWheels", "SerialBus", "StepperMotor", "TemperatureSensor"}

func lookupType(name string) (*moduleType, bool) {
	if t, ok := moduleTypes[name]; ok {
		return t, true
	}
	for _, u := range unmodelled {
		if u == name {
			return &moduleType{}, true
		}
	}
	return nil, false
}

// coreProps are the core module's properties (core.cpp).
var coreProps = map[string]valueType{"debug": tyBoolean, "millis": tyInteger, "heap": tyInteger, "last_message_age": tyInteger}

// coreMethods are core's methods with their argument counts (-1: any).
var coreMethods = map[string]int{"restart": 0, "version": -1, "info": 0, "print": -1, "output": 1, "startup_checksum": -1,
	"get_pin_status": 1, "set_pin_level": 2, "get_pin_strapping": 1, "forget_serial_bus": 0, "set_baudrate": 1,
	"pause_broadcasts": 0, "resume_broadcasts": 0, "clear_schedule": 0, "keep_alive": 0}
