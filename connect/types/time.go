package types

import (
	"fmt"
	"strings"
)

// TimeType is Spark's time-of-day type without a time zone, "time(Precision)", where
// Precision is the number of fractional-second digits (0 to 6; Spark's default is 6).
// Values read back as [Time].
type TimeType struct {
	Precision int32
}

// DDL implements [DataType]: "time(6)".
func (t TimeType) DDL() string { return fmt.Sprintf("time(%d)", t.Precision) }

// String implements [DataType].
func (t TimeType) String() string { return t.DDL() }

// Time is a value of Spark's time type: a time of day, without a date or time zone.
// Its zero value is midnight.
type Time struct {
	Hour       int
	Minute     int
	Second     int
	Nanosecond int
}

// TimeOfDay returns the time of day that lies ns nanoseconds after midnight. Values outside
// one day wrap around, as on a clock.
func TimeOfDay(ns int64) Time {
	const day = 86_400_000_000_000
	ns %= day
	if ns < 0 {
		ns += day
	}
	return Time{
		Hour:       int(ns / 3_600_000_000_000),
		Minute:     int(ns / 60_000_000_000 % 60),
		Second:     int(ns / 1_000_000_000 % 60),
		Nanosecond: int(ns % 1_000_000_000),
	}
}

// Nanoseconds returns the time as nanoseconds since midnight.
func (t Time) Nanoseconds() int64 {
	return int64(t.Hour)*3_600_000_000_000 + int64(t.Minute)*60_000_000_000 +
		int64(t.Second)*1_000_000_000 + int64(t.Nanosecond)
}

// Valid reports whether every field is within its range (hour 0-23, minute and second
// 0-59, nanosecond 0-999999999).
func (t Time) Valid() bool {
	return t.Hour >= 0 && t.Hour < 24 && t.Minute >= 0 && t.Minute < 60 &&
		t.Second >= 0 && t.Second < 60 && t.Nanosecond >= 0 && t.Nanosecond < 1_000_000_000
}

// String renders the time as Spark does: "HH:MM:SS", followed by the fraction of a second
// without trailing zeros when it is not zero ("12:34:56.789").
func (t Time) String() string {
	s := fmt.Sprintf("%02d:%02d:%02d", t.Hour, t.Minute, t.Second)
	if t.Nanosecond != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%09d", t.Nanosecond), "0")
	}
	return s
}
