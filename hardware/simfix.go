package hardware

// SimFix is what a simulated GNSS receiver reports about its fixes
// (hardware/sim's on the control loop, gnsstest's as NMEA on a pty). The
// two share these defaults so a test against either sees the same fix.
type SimFix struct {
	Quality    GNSSQuality
	Satellites int
	HDOP       float64
	StdDev     float64 // metres, horizontal
}

// Defaults fills the zero fields with an RTK-fixed receiver's values:
// quality 4 (RTK fixed), 14 satellites, HDOP 0.7, 14 mm.
func (f SimFix) Defaults() SimFix {
	if f.Quality == 0 {
		f.Quality = QualityRTKFixed
	}
	if f.Satellites == 0 {
		f.Satellites = 14
	}
	if f.HDOP == 0 {
		f.HDOP = 0.7
	}
	if f.StdDev == 0 {
		f.StdDev = 0.014
	}
	return f
}
