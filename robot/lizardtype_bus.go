package robot

import (
	"github.com/gorosys/rosys/drivers/lizard"
)

// The types that only carry other modules (an expander, a serial port, a
// CAN bus) or code: nothing to simulate.

func expanderType() LizardType {
	return LizardType{
		Config: builtinConfig("expander"),
		Build: func(d LizardDecl) (lizard.Module, error) {
			e := &lizard.Expander{Object: d.Name, Serial: d.Serial, Boot: -1, Enable: -1}
			if d.Boot != nil && d.Enable != nil {
				e.Boot, e.Enable = *d.Boot, *d.Enable
			}
			return e, nil
		},
	}
}

func serialType() LizardType {
	return LizardType{
		Config: builtinConfig("serial"),
		Build: func(d LizardDecl) (lizard.Module, error) {
			rx, tx := d.SerialPins()
			return &lizard.Serial{Object: d.Name, RxPin: rx, TxPin: tx, Baud: d.Baud, Num: d.UART, Expander: d.Expander}, nil
		},
	}
}

func canType() LizardType {
	return LizardType{
		Config: builtinConfig("can"),
		Build: func(d LizardDecl) (lizard.Module, error) {
			rx, tx := d.SerialPins()
			return &lizard.Can{Object: d.Name, RxPin: rx, TxPin: tx, Baud: d.Baud, Expander: d.Expander}, nil
		},
	}
}

func codeType() LizardType {
	return LizardType{
		Config: builtinConfig("code"),
		Build: func(d LizardDecl) (lizard.Module, error) {
			return &lizard.CodeLines{Object: d.Name, Lines: d.Lines}, nil
		},
	}
}
