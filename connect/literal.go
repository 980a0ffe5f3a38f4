package connect

import (
	"fmt"
	"math/big"
	"time"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// literal converts a Go value to a Spark literal, with the mapping documented at Lit, and
// also time.Duration (interval day to second, to the microsecond), types.YearMonthInterval
// (interval year to month), types.CalendarInterval (interval) and types.Time (time(6), to
// the microsecond).
func literal(v any) (*sparkpb.Expression_Literal, error) {
	l := &sparkpb.Expression_Literal{}
	switch v := v.(type) {
	case nil:
		l.LiteralType = &sparkpb.Expression_Literal_Null{Null: &sparkpb.DataType{
			Kind: &sparkpb.DataType_Null{Null: &sparkpb.DataType_NULL{}},
		}}
	case bool:
		l.LiteralType = &sparkpb.Expression_Literal_Boolean{Boolean: v}
	case int8:
		l.LiteralType = &sparkpb.Expression_Literal_Byte{Byte: int32(v)}
	case int16:
		l.LiteralType = &sparkpb.Expression_Literal_Short{Short: int32(v)}
	case int32:
		l.LiteralType = &sparkpb.Expression_Literal_Integer{Integer: v}
	case int:
		l.LiteralType = &sparkpb.Expression_Literal_Long{Long: int64(v)}
	case int64:
		l.LiteralType = &sparkpb.Expression_Literal_Long{Long: v}
	case float32:
		l.LiteralType = &sparkpb.Expression_Literal_Float{Float: v}
	case float64:
		l.LiteralType = &sparkpb.Expression_Literal_Double{Double: v}
	case string:
		l.LiteralType = &sparkpb.Expression_Literal_String_{String_: v}
	case []byte:
		l.LiteralType = &sparkpb.Expression_Literal_Binary{Binary: v}
	case time.Duration:
		// A day-time interval of whole microseconds (truncated toward zero).
		l.LiteralType = &sparkpb.Expression_Literal_DayTimeInterval{DayTimeInterval: int64(v / time.Microsecond)}
	case types.YearMonthInterval:
		l.LiteralType = &sparkpb.Expression_Literal_YearMonthInterval{YearMonthInterval: int32(v)}
	case types.CalendarInterval:
		l.LiteralType = &sparkpb.Expression_Literal_CalendarInterval_{CalendarInterval: &sparkpb.Expression_Literal_CalendarInterval{
			Months: v.Months, Days: v.Days, Microseconds: v.Microseconds,
		}}
	case types.Time:
		if !v.Valid() {
			return nil, fmt.Errorf("spark connect: time %+v is not a time of day", v)
		}
		precision := int32(6)
		l.LiteralType = &sparkpb.Expression_Literal_Time_{Time: &sparkpb.Expression_Literal_Time{
			Nano: v.Nanoseconds() / 1000 * 1000, Precision: &precision,
		}}
	case time.Time:
		l.LiteralType = &sparkpb.Expression_Literal_Timestamp{Timestamp: v.UnixMicro()}
	case TimestampNTZ:
		t := time.Time(v)
		wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		l.LiteralType = &sparkpb.Expression_Literal_TimestampNtz{TimestampNtz: wall.UnixMicro()}
	case Date:
		t := time.Date(v.Year, v.Month, v.Day, 0, 0, 0, 0, time.UTC)
		l.LiteralType = &sparkpb.Expression_Literal_Date{Date: int32(t.Unix() / 86400)}
	case types.Decimal:
		if v.Unscaled == nil {
			v.Unscaled = new(big.Int)
		}
		// Spark's type for a decimal literal: decimal(max(digits, scale), scale).
		digits := int32(len(new(big.Int).Abs(v.Unscaled).String()))
		precision := max(digits, v.Scale)
		if precision > maxDecimalPrecision {
			return nil, fmt.Errorf("spark connect: decimal %s needs precision %d, more than Spark's %d", v, precision, maxDecimalPrecision)
		}
		scale := v.Scale
		l.LiteralType = &sparkpb.Expression_Literal_Decimal_{Decimal: &sparkpb.Expression_Literal_Decimal{
			Value: v.String(), Precision: &precision, Scale: &scale,
		}}
	default:
		// Slices, arrays, maps, structs and pointers: typed collection literals.
		return collectionLiteral(v)
	}
	return l, nil
}

// maxDecimalPrecision is the largest precision of Spark's decimal type.
const maxDecimalPrecision = 38

// Date is a calendar date without a time zone, Spark's date type, for use as a literal.
// Dates read back from Spark are time.Time values at midnight UTC.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date { return Date{t.Year(), t.Month(), t.Day()} }

// TimestampNTZ marks a time.Time as Spark's timestamp_ntz (a wall-clock time without a time
// zone) when used as a literal: its wall-clock fields are used, its location ignored.
type TimestampNTZ time.Time
