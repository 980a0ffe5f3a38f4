package types

import (
	"math/big"
	"strings"
)

// Decimal is an exact decimal value: Unscaled × 10^-Scale. Spark's decimal columns read back
// as Decimal so that no digit is lost to floating point.
type Decimal struct {
	Unscaled *big.Int
	Scale    int32
}

// String renders the value with exactly Scale digits after the point, as Spark does.
func (d Decimal) String() string {
	if d.Unscaled == nil {
		return "0"
	}
	s := new(big.Int).Abs(d.Unscaled).String()
	neg := d.Unscaled.Sign() < 0
	if d.Scale < 0 && s != "0" {
		s += strings.Repeat("0", int(-d.Scale))
	}
	if d.Scale > 0 {
		if len(s) <= int(d.Scale) {
			s = strings.Repeat("0", int(d.Scale)-len(s)+1) + s
		}
		s = s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Rat returns the value as an exact rational number.
func (d Decimal) Rat() *big.Rat {
	if d.Unscaled == nil {
		return new(big.Rat)
	}
	if d.Scale < 0 {
		f := new(big.Int).Exp(big.NewInt(10), big.NewInt(-int64(d.Scale)), nil)
		return new(big.Rat).SetInt(f.Mul(f, d.Unscaled))
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)
	return new(big.Rat).SetFrac(d.Unscaled, den)
}

// Float64 returns the nearest float64.
func (d Decimal) Float64() float64 {
	f, _ := d.Rat().Float64()
	return f
}

// Trimmed returns the same number with trailing zeros after the point removed (the scale is
// not lowered below zero): 1.500 becomes 1.5, 2.000 becomes 2 and 100 stays 100.
func (d Decimal) Trimmed() Decimal {
	if d.Unscaled == nil || d.Unscaled.Sign() == 0 {
		return Decimal{Unscaled: new(big.Int)}
	}
	u := new(big.Int).Set(d.Unscaled)
	s := d.Scale
	ten := big.NewInt(10)
	q, r := new(big.Int), new(big.Int)
	for s > 0 {
		q.QuoRem(u, ten, r)
		if r.Sign() != 0 {
			break
		}
		u.Set(q)
		s--
	}
	return Decimal{Unscaled: u, Scale: s}
}
