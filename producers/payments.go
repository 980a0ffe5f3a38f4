package producers

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/sparkwire/sparkwire/events"
)

// Payments generates card transactions. Each card has a home country and currency and a
// spending level; most transactions are at home, in everyday merchant categories, with
// log-normal amounts. A small share are fraudulent (FraudRate, default 0.5%): larger
// amounts, abroad, mostly online, in categories fraudsters favour, and a compromised card
// often sees a short burst of further fraudulent transactions. The is_fraud field labels
// them, so fraud rules can be scored exactly.
//
// Schema (key card_id, event time event_time):
//
//	transaction_id     string     random identifier: "tx-" + 16 hex digits
//	event_time         timestamp  when the transaction was authorised (ms, UTC)
//	card_id            string     the card, "card-000042"; the Kafka key
//	merchant_id        string     the merchant, "m-12345" (five digits)
//	merchant_category  string     grocery, restaurant, fuel, retail, online_services,
//	                              travel, electronics or jewelry ([events.MerchantCategories])
//	amount             double     amount in major units of currency (e.g. euros), 2 decimals
//	currency           string     ISO 4217 code: EUR, USD or GBP (the card's currency)
//	country            string     ISO 3166 alpha-2 country of the merchant
//	channel            string     pos, contactless or online
//	is_fraud           boolean    true for fraudulent transactions
type Payments struct {
	cards []payCard
	pick  *cdf // of cards
	// FraudRate is the probability that a transaction starts a fraud episode;
	// NewPayments sets 0.005. Bursts on compromised cards add about half as many again.
	FraudRate float64
}

type payCard struct {
	id                Value
	started           bool
	country, currency Value
	level             float64 // multiplies typical amounts
	burst             int     // fraudulent transactions still to come
}

var (
	paySchema = Schema(events.Payments())
	// payCategories are the merchant categories, with the shares, amounts and channels
	// the generator draws from: the list package events shares with the jobs, which take
	// each category's code and risk from it.
	payCategories = events.MerchantCategories()
	payNormalCum  = func() []float64 {
		w := make([]float64, len(payCategories))
		for i, c := range payCategories {
			w[i] = c.Share
		}
		return cumulative(w)
	}()
	payFraudCum = func() []float64 {
		w := make([]float64, len(payCategories))
		for i, c := range payCategories {
			w[i] = c.FraudShare
		}
		return cumulative(w)
	}()
	payCountries  = []string{"DE", "FR", "NL", "ES", "IT", "GB", "US", "IE", "AT", "BE"}
	payFraudPlace = []string{"RU", "NG", "BR", "CN", "VN", "RO", "US", "ID"}
	// The strings of events, as values (see text).
	payTxPrefix                       = text("tx-")
	payMerchantPrefix                 = text("m-")
	payCountryValues                  = texts(payCountries...)
	payFraudPlaceValues               = texts(payFraudPlace...)
	payCategoryNames                  = textsOf(len(payCategories), func(i int) string { return payCategories[i].Name })
	payEUR, payUSD, payGBP            = text("EUR"), text("USD"), text("GBP")
	payPOS, payOnline, payContactless = text("pos"), text("online"), text("contactless")
)

// NewPayments returns a payments generator with the given number of cards (default
// 10000 when cards is 0 or less).
func NewPayments(cards int) *Payments {
	p, _ := newPayments(context.Background(), cards)
	return p
}

func newPayments(ctx context.Context, cards int) (*Payments, error) {
	if cards <= 0 {
		cards = 10000
	}
	w, err := zipfWeightsContext(ctx, cards, 0.6)
	if err != nil {
		return nil, err
	}
	pick, err := newCDFContext(ctx, w)
	if err != nil {
		return nil, err
	}
	p := &Payments{cards: make([]payCard, cards), pick: pick, FraudRate: 0.005}
	for i := range p.cards {
		if i%setupCheckEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		p.cards[i].id = text(keyName("card-", i, 6))
	}
	return p, nil
}

// Schema implements Generator.
func (p *Payments) Schema() Schema { return cloneSchema(paySchema) }

// Next implements Generator.
func (p *Payments) Next(r *rand.Rand, eventTime time.Time, dst []Value) []Value {
	c := &p.cards[p.pick.pick(r)]
	if !c.started {
		c.started = true
		c.country = pick(r, payCountryValues)
		switch c.country.s {
		case "GB":
			c.currency = payGBP
		case "US":
			c.currency = payUSD
		default:
			c.currency = payEUR
		}
		c.level = math.Exp(r.NormFloat64() * 0.4)
	}
	fraud := c.burst > 0
	if fraud {
		c.burst--
	} else if r.Float64() < p.FraudRate {
		fraud = true
		if r.Float64() < 0.3 {
			c.burst = 1 + r.IntN(3)
		}
	}
	var cat int
	country, channel := c.country, payPOS
	amountScale := c.level
	if fraud {
		cat = weighted(r, payFraudCum)
		amountScale *= 2.5
		if r.Float64() < 0.8 {
			country = pick(r, payFraudPlaceValues)
		}
	} else {
		cat = weighted(r, payNormalCum)
		if r.Float64() < 0.05 {
			country = pick(r, payCountryValues)
		}
	}
	pc := &payCategories[cat]
	switch x := r.Float64(); {
	case x < pc.Online || (fraud && x < 0.8):
		channel = payOnline
	case x < 0.6:
		channel = payContactless
	}
	amount := pc.MedianAmount * amountScale * math.Exp(r.NormFloat64()*pc.AmountSigma)
	amount = math.Max(0.5, roundTo(amount, 2))
	return append(dst,
		hexID(r, payTxPrefix),
		Timestamp(eventTime),
		c.id,
		payMerchantPrefix.withDec(int64(10000+r.IntN(90000))),
		payCategoryNames[cat],
		Double(amount),
		c.currency,
		country,
		channel,
		Bool(fraud),
	)
}
