package connect

import (
	"math/big"
	"strings"
	"testing"

	"github.com/sparkwire/sparkwire/connect/internal/sparkpb"
	"github.com/sparkwire/sparkwire/connect/types"
)

// A decimal literal gets the type Spark gives it, decimal(max(digits, scale), scale), which
// is valid up to 38 digits; beyond that it is an error, not a type Spark rejects.
func TestDecimalLiteralPrecision(t *testing.T) {
	ten := new(big.Int).Exp(big.NewInt(10), big.NewInt(37), nil)
	for _, tc := range []struct {
		d                types.Decimal
		value            string
		precision, scale int32
	}{
		{types.Decimal{Unscaled: big.NewInt(1), Scale: 38}, "0.00000000000000000000000000000000000001", 38, 38},
		{types.Decimal{Unscaled: big.NewInt(5), Scale: 3}, "0.005", 3, 3},
		{types.Decimal{Unscaled: big.NewInt(-12345), Scale: 2}, "-123.45", 5, 2},
		{types.Decimal{Unscaled: ten, Scale: 0}, "1" + strings.Repeat("0", 37), 38, 0},
		{types.Decimal{}, "0", 1, 0},
	} {
		l, err := literal(tc.d)
		if err != nil {
			t.Errorf("literal(%s): %v", tc.d, err)
			continue
		}
		want := &sparkpb.Expression_Literal{LiteralType: &sparkpb.Expression_Literal_Decimal_{Decimal: &sparkpb.Expression_Literal_Decimal{
			Value: tc.value, Precision: &tc.precision, Scale: &tc.scale}}}
		checkProto(t, tc.d.String(), l, want)
	}
	tooBig := new(big.Int).Mul(ten, big.NewInt(10))
	for _, d := range []types.Decimal{{Unscaled: tooBig}, {Unscaled: big.NewInt(1), Scale: 39}} {
		if err := Lit(d).Err(); err == nil || !strings.Contains(err.Error(), "38") {
			t.Errorf("Lit(%s) error %v, want one about precision 38", d, err)
		}
	}
}
