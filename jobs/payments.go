package jobs

import (
	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
	"github.com/sparkwire/sparkwire/connect/types"
	"github.com/sparkwire/sparkwire/events"
)

// MerchantCategory is a row of the reference table of merchant categories that the
// payments_fraud job joins with the transactions.
type MerchantCategory struct {
	// Category is the payments domain's merchant_category.
	Category string
	// MCC is the category's ISO 18245 merchant category code.
	MCC int64
	// Risk is the category's fraud risk: low, medium or high (high where fraudsters spend
	// more than their share, as the payments generator models them).
	Risk string
}

// MerchantCategories returns the reference table of the payments_fraud job: one row for each
// merchant category of the payments domain, taken from [events.MerchantCategories], the list
// the payments generator draws from. Each call returns a new slice.
func MerchantCategories() []MerchantCategory {
	cats := events.MerchantCategories()
	rows := make([]MerchantCategory, len(cats))
	for i, c := range cats {
		rows[i] = MerchantCategory{Category: c.Name, MCC: c.MCC, Risk: c.Risk}
	}
	return rows
}

// withCategories joins transactions with the reference table of merchant categories (a
// stream-static left join on merchant_category), adding the columns mcc (bigint) and risk
// (string), NULL for a category the table does not list.
func withCategories(s *connect.Session, events *connect.DataFrame) *connect.DataFrame {
	cats := MerchantCategories()
	rows := make([][]any, len(cats))
	for i, c := range cats {
		rows[i] = []any{c.Category, c.MCC, c.Risk}
	}
	table := s.CreateDataFrameFromRows(types.Struct(
		types.Field("merchant_category", types.String),
		types.Field("mcc", types.Long),
		types.Field("risk", types.String),
	), rows)
	return events.JoinUsing(table, []string{"merchant_category"}, connect.LeftJoin)
}

// PaymentsFraud raises two kinds of fraud alert on card transactions, both enriched from a
// reference table of merchant categories built in Go ([MerchantCategories]).
//
// The result holds velocity alerts: cards with more than max_transactions transactions in a
// 5-minute tumbling window of event time, with a 2-minute watermark, in update mode (a
// window's row is written again as more transactions arrive). Result columns: window_start,
// window_end (timestamps), card_id (string), transactions (bigint), amount (double: their
// total), high_risk (bigint: those in categories of high risk); the Kafka key is
// "window_start|card_id".
//
// Output "spikes" (append mode, topic <name>_spikes) holds spike alerts: every transaction
// of more than spike_amount, with columns transaction_id, event_time, card_id, merchant_id,
// merchant_category, mcc, risk, amount, currency, country, channel and is_fraud (the
// generator's label); the Kafka key is the transaction_id.
//
// Parameters: max_transactions (default 3: a full burst of the generator's fraud, an
// episode's first transaction and three more, raises an alert when it falls in one
// window) and spike_amount (in major units of any currency; default 2000, above all but
// about 0.4% of the generator's normal transactions and 12% of its fraudulent ones). The
// generator's bursts come at the card's usual pace, so how many windows the velocity rule
// flags depends mostly on how busy the cards are: at 100 transactions per second over the
// default 10,000 cards it flags about 2,400 cards per window, most of them without fraud.
func PaymentsFraud() *Job {
	return &Job{
		Name:           "payments_fraud",
		Description:    "Fraud alerts: cards with more than max_transactions transactions per 5-minute window (update mode), and transactions above spike_amount.",
		Input:          events.Payments(),
		WatermarkDelay: DefaultWatermarkDelay,
		Mode:           connect.Update,
		Key:            "window_start,card_id",
		Defaults:       Params{"max_transactions": 3, "spike_amount": 2000},
		Transform: func(s *connect.Session, events *connect.DataFrame, p Params) (*connect.DataFrame, error) {
			highRisk := connect.When(connect.Col("risk").Eq("high"), 1).Otherwise(0)
			return withCategories(s, events.WithWatermark("event_time", DefaultWatermarkDelay)).
				GroupBy(F.Window(connect.Col("event_time"), "5 minutes").Alias("w"), connect.Col("card_id")).
				Agg(F.Count(connect.Lit(1)).Alias("transactions"), F.Sum(connect.Col("amount")).Alias("amount"),
					F.Sum(highRisk).Alias("high_risk")).
				Filter(connect.Col("transactions").Gt(p["max_transactions"])).
				Select(connect.Col("w.start").Alias("window_start"), connect.Col("w.end").Alias("window_end"),
					connect.Col("card_id"), connect.Col("transactions"), connect.Col("amount"), connect.Col("high_risk")), nil
		},
		Outputs: []Output{{
			Name:        "spikes",
			Description: "Transactions of more than spike_amount, with their merchant category's code and risk.",
			Key:         "transaction_id",
			Build: func(s *connect.Session, events *connect.DataFrame, p Params) (*connect.DataFrame, error) {
				return withCategories(s, events.Filter(connect.Col("amount").Gt(p["spike_amount"]))).
					Select(connect.Col("transaction_id"), connect.Col("event_time"), connect.Col("card_id"),
						connect.Col("merchant_id"), connect.Col("merchant_category"), connect.Col("mcc"), connect.Col("risk"),
						connect.Col("amount"), connect.Col("currency"), connect.Col("country"), connect.Col("channel"),
						connect.Col("is_fraud")), nil
			},
		}},
	}
}
