package producers

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/sparkwire/sparkwire/events"
)

// IoT generates readings from a fleet of sensors. Each device measures one quantity
// (temperature, humidity, pressure or vibration) around its own baseline, with Gaussian
// noise, a daily cycle (temperature), and a slow drift: a random walk with a per-device
// bias, so readings wander away from the baseline over time as real sensors do. About one
// reading in 500 is an anomaly, a spike of 6 to 12 standard deviations, labelled in the
// anomaly field so detectors can be scored. Batteries drain with every reading and are
// replaced when nearly empty.
//
// Schema (key device_id, event time event_time):
//
//	device_id    string     the device, "dev-0042"; the Kafka key
//	event_time   timestamp  when the reading was taken (ms, UTC)
//	seq          long       the device's reading counter, from 0, without gaps
//	site         string     where the device is installed, e.g. "plant-3"
//	sensor_type  string     temperature, humidity, pressure or vibration (fixed per device)
//	reading      double     the measured value, in unit, rounded to 3 decimals
//	unit         string     the unit of reading: C (degrees Celsius), pct (% relative
//	                        humidity), hPa, or mm_s (vibration velocity, mm/s)
//	battery_pct  double     remaining battery charge, 0 to 100 (%), 2 decimals
//	anomaly      boolean    true when the reading is an injected anomaly
type IoT struct {
	devices []iotDevice
	// AnomalyRate is the share of readings that are anomalies; NewIoT sets 0.002.
	AnomalyRate float64
}

type iotDevice struct {
	id      Value
	started bool
	site    Value
	kind    int
	base    float64
	drift   float64
	bias    float64
	battery float64
	seq     int64
}

var (
	iotSchema  = Schema(events.IoT())
	iotSensors = []struct {
		kind, unit        string
		base, spread, sd  float64
		lo, hi, dailyAmpl float64
	}{
		{"temperature", "C", 21, 3, 0.2, -40, 85, 2},
		{"humidity", "pct", 45, 10, 1, 0, 100, 0},
		{"pressure", "hPa", 1013, 5, 0.5, 850, 1100, 0},
		{"vibration", "mm_s", 2, 0.5, 0.1, 0, 50, 0},
	}
	// The strings of events, as values (see text): sensor kinds and units by index
	// into iotSensors, and the sites plant-1 to plant-8.
	iotKinds = textsOf(len(iotSensors), func(i int) string { return iotSensors[i].kind })
	iotUnits = textsOf(len(iotSensors), func(i int) string { return iotSensors[i].unit })
	iotSites = textsOf(8, func(i int) string { return keyName("plant-", 1+i, 1) })
)

// NewIoT returns an IoT generator with the given number of devices (default 500 when
// devices is 0 or less).
func NewIoT(devices int) *IoT {
	g, _ := newIoT(context.Background(), devices)
	return g
}

func newIoT(ctx context.Context, devices int) (*IoT, error) {
	if devices <= 0 {
		devices = 500
	}
	g := &IoT{devices: make([]iotDevice, devices), AnomalyRate: 0.002}
	for i := range g.devices {
		if i%setupCheckEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		g.devices[i].id = text(keyName("dev-", i, 4))
		g.devices[i].kind = i % len(iotSensors)
	}
	return g, nil
}

// Schema implements Generator.
func (g *IoT) Schema() Schema { return cloneSchema(iotSchema) }

// Next implements Generator.
func (g *IoT) Next(r *rand.Rand, eventTime time.Time, dst []Value) []Value {
	d := &g.devices[r.IntN(len(g.devices))]
	s := &iotSensors[d.kind]
	if !d.started {
		d.started = true
		d.site = iotSites[r.IntN(len(iotSites))]
		d.base = s.base + (r.Float64()*2-1)*s.spread
		d.bias = r.NormFloat64() * s.sd * 0.002
		d.battery = 60 + 40*r.Float64()
	}
	d.drift += d.bias + r.NormFloat64()*s.sd*0.02
	v := d.base + d.drift + r.NormFloat64()*s.sd
	if s.dailyAmpl != 0 {
		sec := eventTime.Unix() % 86400 // seconds since midnight, UTC
		if sec < 0 {
			sec += 86400
		}
		secs := float64(sec) / 86400
		v += s.dailyAmpl * math.Sin(2*math.Pi*(secs-0.375)) // warmest mid-afternoon
	}
	anomaly := r.Float64() < g.AnomalyRate
	if anomaly {
		spike := (6 + 6*r.Float64()) * s.sd
		if r.IntN(2) == 0 {
			spike = -spike
		}
		v += spike
	}
	v = math.Max(s.lo, math.Min(s.hi, v))
	d.battery -= 0.01 * r.Float64()
	if d.battery < 5 {
		d.battery = 100
	}
	seq := d.seq
	d.seq++
	return append(dst,
		d.id,
		Timestamp(eventTime),
		Long(seq),
		d.site,
		iotKinds[d.kind],
		Double(roundTo(v, 3)),
		iotUnits[d.kind],
		Double(roundTo(d.battery, 2)),
		Bool(anomaly),
	)
}
