package events

import (
	"encoding/json"
	"testing"
)

func TestDomainSchemas(t *testing.T) {
	for _, s := range []Schema{Clickstream(), IoT(), Payments()} {
		seen := map[string]Type{}
		for _, f := range s.Fields {
			if _, dup := seen[f.Name]; dup || f.Name == "" || f.Type < TypeString || f.Type > TypeTimestamp {
				t.Errorf("%s: bad field %+v", s.Name, f)
			}
			seen[f.Name] = f.Type
		}
		if k := seen[s.Key]; k != TypeString && k != TypeLong {
			t.Errorf("%s: key %q is %v", s.Name, s.Key, k)
		}
		if seen[s.EventTime] != TypeTimestamp {
			t.Errorf("%s: event time %q is %v", s.Name, s.EventTime, seen[s.EventTime])
		}
	}
	// Each call returns a schema of its own.
	a := Clickstream()
	a.Fields[0].Name = "changed"
	if Clickstream().Fields[0].Name != "event_id" {
		t.Error("Clickstream shares its fields between calls")
	}
	b := a.Clone()
	b.Fields[0].Name = "again"
	if a.Fields[0].Name != "changed" {
		t.Error("Clone shares its fields")
	}
}

func TestSparkDDL(t *testing.T) {
	s := Schema{Fields: []Field{{Name: "a", Type: TypeString}, {Name: "b", Type: TypeLong}, {Name: "c", Type: TypeDouble},
		{Name: "d", Type: TypeBool}, {Name: "e", Type: TypeTimestamp}}}
	if got, want := s.SparkDDL(), "a STRING, b BIGINT, c DOUBLE, d BOOLEAN, e TIMESTAMP"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := Type(0).String(); got != "Type(0)" {
		t.Errorf("Type(0) is %q", got)
	}
}

func TestAvroSchema(t *testing.T) {
	var got struct {
		Type, Name, Namespace string
		Fields                []struct {
			Name string
			Type any
			Doc  string
		}
	}
	if err := json.Unmarshal([]byte(IoT().AvroSchema()), &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "record" || got.Name != "Iot" || got.Namespace != "sparkwire.producers" || len(got.Fields) != 9 {
		t.Errorf("header %+v", got)
	}
	if got.Fields[7].Doc != "Remaining battery charge. Unit: %." {
		t.Errorf("battery_pct doc %q", got.Fields[7].Doc)
	}
	for in, want := range map[string]string{"iot-sensors_v2": "IotSensorsV2", "payments": "Payments", "--": "Event", "9lives": "Lives"} {
		if got := avroName(in); got != want {
			t.Errorf("avroName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The merchant categories are one table: distinct names and codes, shares that add up to
// 100% for normal and for fraudulent transactions, and a risk that follows the shares.
func TestMerchantCategories(t *testing.T) {
	cats := MerchantCategories()
	names, codes := map[string]bool{}, map[int64]bool{}
	var share, fraud float64
	for _, c := range cats {
		if names[c.Name] || codes[c.MCC] || c.MCC < 1000 || c.MCC > 9999 {
			t.Errorf("%+v: repeated name or code, or not a 4-digit MCC", c)
		}
		names[c.Name], codes[c.MCC] = true, true
		share += c.Share
		fraud += c.FraudShare
		want := "medium"
		switch {
		case c.FraudShare > c.Share:
			want = "high"
		case c.FraudShare < c.Share/4:
			want = "low"
		}
		if c.Risk != want {
			t.Errorf("%s: risk %s, but its shares (%v%% normal, %v%% fraud) make it %s", c.Name, c.Risk, c.Share, c.FraudShare, want)
		}
		if c.MedianAmount <= 0 || c.AmountSigma <= 0 || c.Online < 0 || c.Online > 1 {
			t.Errorf("%s: bad amount or channel model %+v", c.Name, c)
		}
	}
	if len(cats) != 8 || share != 100 || fraud != 100 {
		t.Errorf("%d categories, shares add up to %v%% and %v%%", len(cats), share, fraud)
	}
	cats[0].Name = "changed"
	if MerchantCategories()[0].Name != "grocery" {
		t.Error("MerchantCategories shares its slice between calls")
	}
}
