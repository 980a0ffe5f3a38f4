package events

// Clickstream returns the schema of the clickstream domain: page views and clicks of
// users browsing a web shop, in sessions, keyed by user_id. The producers' Clickstream
// generator documents each field's values.
func Clickstream() Schema {
	return Schema{
		Name:      "clickstream",
		Doc:       "Page views and clicks of users browsing a web shop, in sessions.",
		Key:       "user_id",
		EventTime: "event_time",
		Fields: []Field{
			{Name: "event_id", Type: TypeString, Doc: "Random identifier, unique per event."},
			{Name: "event_time", Type: TypeTimestamp, Unit: "ms", Doc: "When the user acted."},
			{Name: "user_id", Type: TypeString, Doc: "The user; the Kafka key."},
			{Name: "session_id", Type: TypeString, Doc: "The user's current session."},
			{Name: "event_type", Type: TypeString, Doc: "session_start, page_view, click or session_end."},
			{Name: "page", Type: TypeString, Doc: "Path of the page the event happened on."},
			{Name: "referrer", Type: TypeString, Doc: "Previous page, or the external source of a session_start."},
			{Name: "element", Type: TypeString, Doc: "Id of the clicked element for clicks, else empty."},
			{Name: "dwell_ms", Type: TypeLong, Unit: "ms", Doc: "Time spent on the previous page."},
			{Name: "device", Type: TypeString, Doc: "desktop, mobile or tablet."},
			{Name: "country", Type: TypeString, Doc: "ISO 3166 alpha-2 country code."},
		},
	}
}

// IoT returns the schema of the iot domain: sensor readings with noise, slow drift and
// labelled anomalies, keyed by device_id. The producers' IoT generator documents each
// field's values.
func IoT() Schema {
	return Schema{
		Name:      "iot",
		Doc:       "Sensor readings with noise, slow drift and labelled anomalies.",
		Key:       "device_id",
		EventTime: "event_time",
		Fields: []Field{
			{Name: "device_id", Type: TypeString, Doc: "The device; the Kafka key."},
			{Name: "event_time", Type: TypeTimestamp, Unit: "ms", Doc: "When the reading was taken."},
			{Name: "seq", Type: TypeLong, Doc: "The device's reading counter, from 0, without gaps."},
			{Name: "site", Type: TypeString, Doc: "Where the device is installed."},
			{Name: "sensor_type", Type: TypeString, Doc: "temperature, humidity, pressure or vibration."},
			{Name: "reading", Type: TypeDouble, Doc: "The measured value, in the unit of the unit field."},
			{Name: "unit", Type: TypeString, Doc: "C, pct, hPa or mm_s."},
			{Name: "battery_pct", Type: TypeDouble, Unit: "%", Doc: "Remaining battery charge."},
			{Name: "anomaly", Type: TypeBool, Doc: "True when the reading is an injected anomaly."},
		},
	}
}

// Payments returns the schema of the payments domain: card transactions with a small,
// labelled share of fraud, keyed by card_id. The merchant_category field takes the names
// of [MerchantCategories]. The producers' Payments generator documents each field's
// values.
func Payments() Schema {
	return Schema{
		Name:      "payments",
		Doc:       "Card transactions with a small, labelled share of fraud.",
		Key:       "card_id",
		EventTime: "event_time",
		Fields: []Field{
			{Name: "transaction_id", Type: TypeString, Doc: "Random identifier, unique per transaction."},
			{Name: "event_time", Type: TypeTimestamp, Unit: "ms", Doc: "When the transaction was authorised."},
			{Name: "card_id", Type: TypeString, Doc: "The card; the Kafka key."},
			{Name: "merchant_id", Type: TypeString, Doc: "The merchant."},
			{Name: "merchant_category", Type: TypeString, Doc: "The merchant's category."},
			{Name: "amount", Type: TypeDouble, Unit: "currency major units", Doc: "Amount, 2 decimals."},
			{Name: "currency", Type: TypeString, Doc: "ISO 4217 currency code."},
			{Name: "country", Type: TypeString, Doc: "ISO 3166 alpha-2 country of the merchant."},
			{Name: "channel", Type: TypeString, Doc: "pos, contactless or online."},
			{Name: "is_fraud", Type: TypeBool, Doc: "True for fraudulent transactions."},
		},
	}
}

// MerchantCategory is one merchant category of the payments domain: what a transaction's
// merchant_category says, the reference data a job joins with it, and how the payments
// generator draws transactions in it.
type MerchantCategory struct {
	// Name is the value of merchant_category, for example "grocery".
	Name string
	// MCC is the category's ISO 18245 merchant category code.
	MCC int64
	// Risk is the category's fraud risk: "low", "medium" or "high". It follows the
	// shares below: high where fraudsters spend more than their share (FraudShare >
	// Share), low where they spend less than a quarter of it, medium in between.
	Risk string

	// Share is the category's share of normal transactions, in percent.
	Share float64
	// FraudShare is the category's share of fraudulent transactions, in percent.
	FraudShare float64
	// MedianAmount is the median amount of a transaction, in major units of currency,
	// for a card of average spending level; amounts are log-normal around it.
	MedianAmount float64
	// AmountSigma is the standard deviation of the amount's logarithm.
	AmountSigma float64
	// Online is the probability that a normal transaction's channel is online.
	Online float64
}

// MerchantCategories returns the merchant categories of the payments domain, in the
// order the payments generator draws them from (the order is part of its deterministic
// streams). Each call returns a new slice.
func MerchantCategories() []MerchantCategory {
	return []MerchantCategory{
		{Name: "grocery", MCC: 5411, Risk: "low", Share: 30, FraudShare: 2, MedianAmount: 35, AmountSigma: 0.6, Online: 0.05},
		{Name: "restaurant", MCC: 5812, Risk: "low", Share: 18, FraudShare: 2, MedianAmount: 28, AmountSigma: 0.5, Online: 0.02},
		{Name: "fuel", MCC: 5541, Risk: "medium", Share: 10, FraudShare: 5, MedianAmount: 55, AmountSigma: 0.3, Online: 0},
		{Name: "retail", MCC: 5311, Risk: "medium", Share: 20, FraudShare: 10, MedianAmount: 60, AmountSigma: 0.8, Online: 0.3},
		{Name: "online_services", MCC: 4816, Risk: "high", Share: 12, FraudShare: 20, MedianAmount: 15, AmountSigma: 0.9, Online: 1},
		{Name: "travel", MCC: 4722, Risk: "high", Share: 4, FraudShare: 20, MedianAmount: 400, AmountSigma: 0.9, Online: 0.7},
		{Name: "electronics", MCC: 5732, Risk: "high", Share: 5, FraudShare: 30, MedianAmount: 250, AmountSigma: 0.9, Online: 0.5},
		{Name: "jewelry", MCC: 5944, Risk: "high", Share: 1, FraudShare: 11, MedianAmount: 500, AmountSigma: 0.8, Online: 0.3},
	}
}
