package types

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// DayTimeField is a field of a day-time interval type, in Spark's numbering.
type DayTimeField int8

// The fields of a [DayTimeIntervalType], numbered as Spark numbers them.
const (
	IntervalDay    DayTimeField = 0
	IntervalHour   DayTimeField = 1
	IntervalMinute DayTimeField = 2
	IntervalSecond DayTimeField = 3
)

// String returns the field's DDL keyword in lower case: "day", "hour", "minute" or "second".
// A value outside the four fields renders as "unknown".
func (f DayTimeField) String() string {
	switch f {
	case IntervalDay:
		return "day"
	case IntervalHour:
		return "hour"
	case IntervalMinute:
		return "minute"
	case IntervalSecond:
		return "second"
	}
	return "unknown"
}

// DayTimeIntervalType is Spark's day-time interval type, "interval day to second" and its
// narrower forms such as "interval hour to minute" or "interval day". Start and End name
// the first and last fields; Spark's default, and the type of an interval column created
// from Go, is day to second. Values read back as time.Duration (see connect.Row).
type DayTimeIntervalType struct {
	Start DayTimeField
	End   DayTimeField
}

// DefaultDayTimeInterval is "interval day to second", Spark's default day-time interval type.
var DefaultDayTimeInterval = DayTimeIntervalType{Start: IntervalDay, End: IntervalSecond}

// DDL implements [DataType]: "interval day to second", or a single field when Start and End
// are the same ("interval hour").
func (t DayTimeIntervalType) DDL() string {
	if t.Start == t.End {
		return "interval " + t.Start.String()
	}
	return "interval " + t.Start.String() + " to " + t.End.String()
}

// String implements [DataType].
func (t DayTimeIntervalType) String() string { return t.DDL() }

// YearMonthField is a field of a year-month interval type, in Spark's numbering.
type YearMonthField int8

// The fields of a [YearMonthIntervalType], numbered as Spark numbers them.
const (
	IntervalYear  YearMonthField = 0
	IntervalMonth YearMonthField = 1
)

// String returns the field's DDL keyword in lower case, "year" or "month"; any other value
// renders as "unknown".
func (f YearMonthField) String() string {
	switch f {
	case IntervalYear:
		return "year"
	case IntervalMonth:
		return "month"
	}
	return "unknown"
}

// YearMonthIntervalType is Spark's year-month interval type: "interval year to month",
// "interval year" or "interval month". Values read back as [YearMonthInterval].
type YearMonthIntervalType struct {
	Start YearMonthField
	End   YearMonthField
}

// DefaultYearMonthInterval is "interval year to month", Spark's default year-month interval
// type.
var DefaultYearMonthInterval = YearMonthIntervalType{Start: IntervalYear, End: IntervalMonth}

// DDL implements [DataType]: "interval year to month", "interval year" or "interval month".
func (t YearMonthIntervalType) DDL() string {
	if t.Start == t.End {
		return "interval " + t.Start.String()
	}
	return "interval " + t.Start.String() + " to " + t.End.String()
}

// String implements [DataType].
func (t YearMonthIntervalType) String() string { return t.DDL() }

// YearMonthInterval is a value of a year-month interval type: a signed number of months.
type YearMonthInterval int32

// Years returns the whole years of the interval (negative for a negative interval).
func (m YearMonthInterval) Years() int32 { return int32(m) / 12 }

// Months returns the months beyond the whole years (negative for a negative interval).
func (m YearMonthInterval) Months() int32 { return int32(m) % 12 }

// String renders the interval as Spark prints a value of "interval year to month":
// INTERVAL '1-2' YEAR TO MONTH, or INTERVAL '-1-2' YEAR TO MONTH.
func (m YearMonthInterval) String() string {
	v := int64(m)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("INTERVAL '%s%d-%d' YEAR TO MONTH", sign, v/12, v%12)
}

// CalendarInterval is a value of Spark's calendar interval type ("interval"): months, days
// and microseconds, each with its own sign, because a month has no fixed number of days and
// a day no fixed number of microseconds across a daylight-saving change.
type CalendarInterval struct {
	Months       int32
	Days         int32
	Microseconds int64
}

// String renders the interval as Spark does, e.g. "1 years 2 months 3 days 4 hours
// 5 minutes 6.5 seconds", or "0 seconds" for the zero interval.
func (c CalendarInterval) String() string {
	var parts []string
	unit := func(v int64, name string) {
		if v != 0 {
			parts = append(parts, strconv.FormatInt(v, 10)+" "+name)
		}
	}
	unit(int64(c.Months/12), "years")
	unit(int64(c.Months%12), "months")
	unit(int64(c.Days), "days")
	rest := c.Microseconds
	unit(rest/3_600_000_000, "hours")
	rest %= 3_600_000_000
	unit(rest/60_000_000, "minutes")
	rest %= 60_000_000
	if rest != 0 {
		parts = append(parts, Decimal{Unscaled: big.NewInt(rest), Scale: 6}.Trimmed().String()+" seconds")
	}
	if len(parts) == 0 {
		return "0 seconds"
	}
	return strings.Join(parts, " ")
}

// CalendarIntervalType is "interval", Spark's calendar interval type. Values read back as
// [CalendarInterval].
const CalendarIntervalType Primitive = "interval"
