package types

import (
	"math/big"
	"testing"
)

func TestIntervalDDL(t *testing.T) {
	cases := []struct {
		t    DataType
		want string
	}{
		{DefaultDayTimeInterval, "interval day to second"},
		{DayTimeIntervalType{Start: IntervalDay, End: IntervalDay}, "interval day"},
		{DayTimeIntervalType{Start: IntervalHour, End: IntervalMinute}, "interval hour to minute"},
		{DayTimeIntervalType{Start: IntervalSecond, End: IntervalSecond}, "interval second"},
		{DayTimeIntervalType{Start: 9, End: IntervalSecond}, "interval unknown to second"},
		{DefaultYearMonthInterval, "interval year to month"},
		{YearMonthIntervalType{Start: IntervalYear, End: IntervalYear}, "interval year"},
		{YearMonthIntervalType{Start: IntervalMonth, End: IntervalMonth}, "interval month"},
		{YearMonthIntervalType{Start: 5, End: 5}, "interval unknown"},
		{CalendarIntervalType, "interval"},
		{Interval, "interval"},
		{TimeType{Precision: 6}, "time(6)"},
		{TimeType{}, "time(0)"},
		{Struct(Field("d", DefaultDayTimeInterval), Field("t", TimeType{Precision: 3})),
			"struct<d:interval day to second,t:time(3)>"},
	}
	for _, c := range cases {
		if got := c.t.DDL(); got != c.want {
			t.Errorf("DDL() = %q, want %q", got, c.want)
		}
		if got := c.t.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
	s := Struct(Field("i", DayTimeIntervalType{Start: IntervalHour, End: IntervalSecond}))
	if got, want := s.FieldDDL(), "i interval hour to second"; got != want {
		t.Errorf("FieldDDL() = %q, want %q", got, want)
	}
	if got, want := s.TreeString(), "root\n |-- i: interval hour to second (nullable = true)\n"; got != want {
		t.Errorf("TreeString() = %q, want %q", got, want)
	}
}

func TestYearMonthInterval(t *testing.T) {
	cases := []struct {
		v            YearMonthInterval
		years, month int32
		s            string
	}{
		{14, 1, 2, "INTERVAL '1-2' YEAR TO MONTH"},
		{-14, -1, -2, "INTERVAL '-1-2' YEAR TO MONTH"},
		{0, 0, 0, "INTERVAL '0-0' YEAR TO MONTH"},
		{-2147483648, -178956970, -8, "INTERVAL '-178956970-8' YEAR TO MONTH"},
	}
	for _, c := range cases {
		if c.v.Years() != c.years || c.v.Months() != c.month || c.v.String() != c.s {
			t.Errorf("%d: got %d years %d months %q, want %d %d %q", int32(c.v),
				c.v.Years(), c.v.Months(), c.v.String(), c.years, c.month, c.s)
		}
	}
}

func TestCalendarIntervalString(t *testing.T) {
	cases := []struct {
		v    CalendarInterval
		want string
	}{
		{CalendarInterval{}, "0 seconds"},
		{CalendarInterval{Months: 14, Days: 3, Microseconds: 4*3_600_000_000 + 5*60_000_000 + 6_500_000},
			"1 years 2 months 3 days 4 hours 5 minutes 6.5 seconds"},
		{CalendarInterval{Months: -1}, "-1 months"},
		{CalendarInterval{Microseconds: 1}, "0.000001 seconds"},
		{CalendarInterval{Microseconds: -61_000_000}, "-1 minutes -1 seconds"},
		{CalendarInterval{Days: 2, Microseconds: 3_000_000}, "2 days 3 seconds"},
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.v, got, c.want)
		}
	}
}

func TestTime(t *testing.T) {
	cases := []struct {
		ns   int64
		want Time
		s    string
	}{
		{0, Time{}, "00:00:00"},
		{(12*3600+34*60+56)*1e9 + 789e6, Time{12, 34, 56, 789_000_000}, "12:34:56.789"},
		{86_399_999_999_999, Time{23, 59, 59, 999_999_999}, "23:59:59.999999999"},
		{1000, Time{0, 0, 0, 1000}, "00:00:00.000001"},
		{-1e9, Time{23, 59, 59, 0}, "23:59:59"},
		{86_400_000_000_000 + 5, Time{0, 0, 0, 5}, "00:00:00.000000005"},
	}
	for _, c := range cases {
		got := TimeOfDay(c.ns)
		if got != c.want || got.String() != c.s || !got.Valid() {
			t.Errorf("TimeOfDay(%d) = %+v %q, want %+v %q", c.ns, got, got.String(), c.want, c.s)
		}
		if c.ns >= 0 && c.ns < 86_400_000_000_000 && got.Nanoseconds() != c.ns {
			t.Errorf("Nanoseconds() = %d, want %d", got.Nanoseconds(), c.ns)
		}
	}
	for _, bad := range []Time{{Hour: 24}, {Minute: -1}, {Second: 60}, {Nanosecond: 1e9}} {
		if bad.Valid() {
			t.Errorf("%+v is valid", bad)
		}
	}
}

func TestDecimalTrimmedAndNegativeScale(t *testing.T) {
	cases := []struct {
		d    Decimal
		want string
	}{
		{Decimal{Unscaled: big.NewInt(1500), Scale: 3}, "1.5"},
		{Decimal{Unscaled: big.NewInt(-2000), Scale: 3}, "-2"},
		{Decimal{Unscaled: big.NewInt(100), Scale: 0}, "100"},
		{Decimal{Unscaled: big.NewInt(0), Scale: 5}, "0"},
		{Decimal{}, "0"},
		{Decimal{Unscaled: big.NewInt(123), Scale: 2}, "1.23"},
	}
	for _, c := range cases {
		if got := c.d.Trimmed().String(); got != c.want {
			t.Errorf("%v.Trimmed() = %q, want %q", c.d, got, c.want)
		}
	}
	neg := Decimal{Unscaled: big.NewInt(-12), Scale: -2}
	if got := neg.String(); got != "-1200" {
		t.Errorf("String() = %q, want -1200", got)
	}
	if got := neg.Rat().RatString(); got != "-1200" {
		t.Errorf("Rat() = %s, want -1200", got)
	}
	if got := (Decimal{Unscaled: big.NewInt(5), Scale: 1}).Float64(); got != 0.5 {
		t.Errorf("Float64() = %v", got)
	}
}

func TestStructHelpers(t *testing.T) {
	s := Struct(
		StructField{Name: "id", Type: Long},
		Field("tag list", ArrayType{Element: CharType{Length: 3}, ContainsNull: true}),
		Field("m", MapType{Key: String, Value: Struct(Field("v", CharType{Length: 5, Var: true})), ValueContainsNull: true}),
		Field("", Binary),
		Field("q`x", Null),
	)
	if got, want := s.DDL(), "struct<id:bigint NOT NULL,`tag list`:array<char(3)>,m:map<string,struct<v:varchar(5)>>,``:binary,`q``x`:void>"; got != want {
		t.Errorf("DDL() = %q, want %q", got, want)
	}
	if got, want := s.String(), s.DDL(); got != want {
		t.Errorf("String() = %q", got)
	}
	if got, want := s.FieldDDL(), "id bigint NOT NULL, `tag list` array<char(3)>, m map<string,struct<v:varchar(5)>>, `` binary, `q``x` void"; got != want {
		t.Errorf("FieldDDL() = %q, want %q", got, want)
	}
	wantTree := `root
 |-- id: bigint (nullable = false)
 |-- tag list: array (nullable = true)
 |    |-- element: char(3) (containsNull = true)
 |-- m: map (nullable = true)
 |    |-- key: string
 |    |-- value: struct (valueContainsNull = true)
 |    |    |-- v: varchar(5) (nullable = true)
 |-- : binary (nullable = true)
 |-- q` + "`" + `x: void (nullable = true)
`
	if got := s.TreeString(); got != wantTree {
		t.Errorf("TreeString() =\n%s\nwant\n%s", got, wantTree)
	}
	if got := s.Names(); len(got) != 5 || got[1] != "tag list" {
		t.Errorf("Names() = %q", got)
	}
	if s.FieldIndex("m") != 2 || s.FieldIndex("nope") != -1 {
		t.Errorf("FieldIndex: %d %d", s.FieldIndex("m"), s.FieldIndex("nope"))
	}
	for _, c := range []DataType{ArrayType{Element: String}, MapType{Key: String, Value: Long}, CharType{Length: 1},
		DecimalType{Precision: 5, Scale: 2}, Long} {
		if c.String() != c.DDL() {
			t.Errorf("%#v: String() %q != DDL() %q", c, c.String(), c.DDL())
		}
	}
}

// Zero and nil values render instead of panicking.
func TestZeroValues(t *testing.T) {
	var nilStruct *StructType
	cases := []struct {
		got, want string
	}{
		{ArrayType{}.DDL(), "array<unknown>"},
		{MapType{}.DDL(), "map<unknown,unknown>"},
		{nilStruct.DDL(), "struct<>"},
		{nilStruct.FieldDDL(), ""},
		{nilStruct.TreeString(), "root\n"},
		{Struct(StructField{Name: "a"}).DDL(), "struct<a:unknown NOT NULL>"},
		{Struct(Field("a", nil)).FieldDDL(), "a unknown"},
		{Struct(Field("a", nilStruct)).TreeString(), "root\n |-- a: struct (nullable = true)\n"},
		{Struct(Field("a", nil)).TreeString(), "root\n |-- a: unknown (nullable = true)\n"},
		{DayTimeIntervalType{}.DDL(), "interval day"},
		{YearMonthIntervalType{}.DDL(), "interval year"},
		{Decimal{}.String(), "0"},
		{Time{}.String(), "00:00:00"},
		{CalendarInterval{}.String(), "0 seconds"},
		{YearMonthInterval(0).String(), "INTERVAL '0-0' YEAR TO MONTH"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if nilStruct.Names() != nil || nilStruct.FieldIndex("a") != -1 {
		t.Error("nil struct has names or fields")
	}
	if (Decimal{}).Rat().Sign() != 0 || (Decimal{}).Float64() != 0 {
		t.Error("zero decimal is not zero")
	}
}
