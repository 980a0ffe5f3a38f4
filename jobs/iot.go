package jobs

import (
	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/events"
)

// iotThresholds maps each sensor type to the parameter holding its alert threshold.
var iotThresholds = []struct{ sensorType, param string }{
	{"temperature", "max_temperature"},
	{"humidity", "max_humidity"},
	{"pressure", "max_pressure"},
	{"vibration", "max_vibration"},
}

// IoTAlerts averages each device's readings over 5-minute windows sliding by 1 minute, with a
// 2-minute watermark, in update mode, and raises an alert for every reading above its sensor
// type's threshold.
//
// Result columns: window_start, window_end (timestamps), device_id, sensor_type, unit
// (strings), readings (bigint: the device's readings in the window), avg_reading (double:
// their mean, in unit); the Kafka key is "window_start|device_id|sensor_type".
//
// Output "alerts" (append mode, topic <name>_alerts): one row per reading above the
// threshold of its sensor type, with columns device_id, event_time, seq, site, sensor_type,
// unit, reading, threshold (the threshold it exceeded) and anomaly (the generator's label);
// the Kafka key is "device_id|seq" (a reading's identity).
//
// Parameters (thresholds, in the sensor type's unit): max_temperature (°C, default 27),
// max_humidity (% relative humidity, default 60), max_pressure (hPa, default 1020.5),
// max_vibration (mm/s, default 3). The defaults are the top of the generator's normal range
// for a sensor that has not drifted: the highest baseline, plus the daily swing
// (temperature), plus 5 standard deviations of noise. Readings above them are injected
// anomalies on devices with a high baseline, or sensors that have drifted out of range.
// Device baselines spread wider than the anomalies' spikes, so a fixed threshold cannot
// catch the anomalies of devices with a low baseline.
func IoTAlerts() *Job {
	return &Job{
		Name:           "iot_alerts",
		Description:    "Mean reading per device over 5-minute windows sliding by 1 minute (update mode), and alerts for readings above their sensor type's threshold.",
		Input:          events.IoT(),
		WatermarkDelay: DefaultWatermarkDelay,
		Mode:           connect.Update,
		Key:            "window_start,device_id,sensor_type",
		Defaults: Params{
			"max_temperature": 27,
			"max_humidity":    60,
			"max_pressure":    1020.5,
			"max_vibration":   3,
		},
		Transform: func(_ *connect.Session, events *connect.DataFrame, _ Params) (*connect.DataFrame, error) {
			return events.
				WithWatermark("event_time", DefaultWatermarkDelay).
				GroupBy(F.SlidingWindow(connect.Col("event_time"), "5 minutes", "1 minute").Alias("w"),
					connect.Col("device_id"), connect.Col("sensor_type"), connect.Col("unit")).
				Agg(F.Count(connect.Lit(1)).Alias("readings"), F.Avg(connect.Col("reading")).Alias("avg_reading")).
				Select(connect.Col("w.start").Alias("window_start"), connect.Col("w.end").Alias("window_end"),
					connect.Col("device_id"), connect.Col("sensor_type"), connect.Col("unit"),
					connect.Col("readings"), connect.Col("avg_reading")), nil
		},
		Outputs: []Output{{
			Name:        "alerts",
			Description: "Readings above their sensor type's threshold.",
			Key:         "device_id,seq",
			Build: func(_ *connect.Session, events *connect.DataFrame, p Params) (*connect.DataFrame, error) {
				var threshold connect.Column
				for i, t := range iotThresholds {
					cond := connect.Col("sensor_type").Eq(t.sensorType)
					if i == 0 {
						threshold = connect.When(cond, p[t.param])
					} else {
						threshold = threshold.When(cond, p[t.param])
					}
				}
				// Readings of an unknown sensor type have no threshold (NULL) and raise no alert.
				return events.
					Select(connect.Col("device_id"), connect.Col("event_time"), connect.Col("seq"), connect.Col("site"),
						connect.Col("sensor_type"), connect.Col("unit"), connect.Col("reading"),
						threshold.Alias("threshold"), connect.Col("anomaly")).
					Filter(connect.Col("reading").Gt(connect.Col("threshold"))), nil
			},
		}},
	}
}
