package producers

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/sparkwire/sparkwire/events"
)

// Clickstream generates the page views and clicks of users browsing a web shop, grouped
// in sessions. Users are picked with a Zipf-like skew (a few users are very active); each
// user has at most one open session, which starts with session_start, moves from page to
// page along plausible paths (home, search, category, product, cart, checkout) and ends
// with session_end.
//
// Schema (key user_id, event time event_time):
//
//	event_id    string     random identifier, unique per event: "e-" + 16 hex digits
//	event_time  timestamp  when the user acted (ms, UTC)
//	user_id     string     the user, "user-00042"; the Kafka key
//	session_id  string     the session, "s-" + 16 hex digits
//	event_type  string     session_start, page_view, click or session_end
//	page        string     path of the page the event happened on, e.g. /product/123
//	referrer    string     previous page's path; for session_start an external source
//	                       (direct, search, social, email, ads)
//	element     string     id of the clicked element for click events, else ""
//	dwell_ms    long       time spent on the previous page (ms); 0 for session_start
//	device      string     desktop, mobile or tablet (fixed per user)
//	country     string     ISO 3166 alpha-2 country code (fixed per user)
type Clickstream struct {
	users []clickUser
	ids   []Value        // user ids, by index
	time  timestampCache // for appendNextJSON
	pick  *cdf           // of users
}

// clickUser is a user's state, kept small (40 bytes) so that thousands of users stay in
// the CPU's caches: strings are indexes into tables, but for the text of the user's
// JSON records, which is read with the state.
type clickUser struct {
	session   uint64        // the open session's id number, if inSession
	views     int32         // page views in the session
	path      clickPathCode // the current page
	started   bool          // device and country are set
	inSession bool
	device    uint8 // index into clickDeviceValues
	country   uint8 // index into clickCountryValues
	// text[:key] is the user's key, text[:head] the key and the JSON record up to the
	// event id's digits, text[head:] the text from after the event time to before the
	// session id's digits, with the user id in it.
	key, head uint8
	text      string
}

var (
	clickSchema = Schema(events.Clickstream())
	// clickPages are the kinds of page; next holds the relative weights of moving to each
	// kind from this one, elements the clickable elements on it.
	clickPages = []struct {
		kind     string
		next     []float64
		elements []string
	}{
		//                          home search cat  prod cart chk  conf acct help
		{"home", []float64{0, 30, 40, 20, 3, 0, 0, 5, 2}, []string{"hero-banner", "nav-search", "nav-account", "promo-tile"}},
		{"search", []float64{5, 15, 10, 65, 3, 0, 0, 1, 1}, []string{"search-box", "filter", "sort", "result-link"}},
		{"category", []float64{5, 10, 15, 65, 3, 0, 0, 1, 1}, []string{"filter", "sort", "product-tile", "next-page"}},
		{"product", []float64{5, 10, 15, 30, 35, 0, 0, 2, 3}, []string{"add-to-cart", "image-zoom", "reviews", "size-select"}},
		{"cart", []float64{3, 5, 5, 15, 0, 70, 0, 1, 1}, []string{"checkout", "remove-item", "quantity", "coupon"}},
		{"checkout", []float64{2, 0, 0, 0, 15, 0, 80, 1, 2}, []string{"pay-now", "address-form", "shipping-option"}},
		{"confirmation", []float64{50, 10, 20, 10, 0, 0, 0, 8, 2}, []string{"continue-shopping", "order-details"}},
		{"account", []float64{40, 10, 20, 20, 5, 0, 0, 0, 5}, []string{"orders", "settings", "logout"}},
		{"help", []float64{40, 20, 10, 10, 5, 0, 0, 10, 5}, []string{"faq", "contact", "chat"}},
	}
	clickNextCum = func() [][]float64 {
		c := make([][]float64, len(clickPages))
		for i, p := range clickPages {
			c[i] = cumulative(p.next)
		}
		return c
	}()
	clickLanding    = cumulative([]float64{45, 15, 15, 25, 0, 0, 0, 0, 0})
	clickSources    = []string{"direct", "search", "social", "email", "ads"}
	clickDevices    = cumulative([]float64{45, 45, 10})
	clickDevNames   = []string{"desktop", "mobile", "tablet"}
	clickCountries  = []string{"DE", "FR", "GB", "US", "NL", "ES", "IT", "PL", "SE", "BR", "IN", "JP"}
	clickCategories = []string{"shoes", "shirts", "jackets", "bags", "watches", "toys", "books", "garden"}
	// clickKindPaths holds the path of each kind of page that has only one;
	// clickCategoryPaths the path of each category.
	clickKindPaths = textsOf(len(clickPages), func(i int) string {
		if i == 0 {
			return "/" // home
		}
		return "/" + clickPages[i].kind
	})
	clickCategoryPaths = textsOf(len(clickCategories), func(i int) string { return "/category/" + clickCategories[i] })
	// The strings an event is made of, as values (see text).
	clickElements = func() [][]Value {
		e := make([][]Value, len(clickPages))
		for i, p := range clickPages {
			e[i] = texts(p.elements...)
		}
		return e
	}()
	clickSourceValues  = texts(clickSources...)
	clickDeviceValues  = texts(clickDevNames...)
	clickCountryValues = texts(clickCountries...)
	clickTypes         = texts("session_start", "session_end", "click", "page_view")
	clickEmpty         = text("")
	clickEventPrefix   = text("e-")
	clickSessionPrefix = text("s-")
	clickProductPrefix = text("/product/")
)

// Indexes into clickPages of the kinds of page that have more than one path.
const (
	clickCategoryPage = 2
	clickProductPage  = 3
)

// Indexes into clickTypes.
const (
	clickSessionStart = iota
	clickSessionEnd
	clickClick
	clickPageView
)

// NewClickstream returns a clickstream generator with the given number of users
// (default 1000 when users is 0 or less).
func NewClickstream(users int) *Clickstream {
	c, _ := newClickstream(context.Background(), users)
	return c
}

func newClickstream(ctx context.Context, users int) (*Clickstream, error) {
	if users <= 0 {
		users = 1000
	}
	w, err := zipfWeightsContext(ctx, users, 1.07)
	if err != nil {
		return nil, err
	}
	pick, err := newCDFContext(ctx, w)
	if err != nil {
		return nil, err
	}
	c := &Clickstream{users: make([]clickUser, users), ids: make([]Value, users),
		pick: pick, time: newTimestampCache(clickJSON.lead[1])}
	for i := range c.ids {
		if i%setupCheckEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c.ids[i] = text(keyName("user-", i, 5))
		c.users[i].setText(c.ids[i].s)
	}
	return c, nil
}

// Schema implements Generator.
func (c *Clickstream) Schema() Schema { return cloneSchema(clickSchema) }

// clickEvent is one drawn event, before it is written out: strings are indexes into
// the tables they come from.
type clickEvent struct {
	id, session     uint64
	dwell           int64
	user            int
	page            clickPathCode
	referrer        clickPathCode // the previous page, if refKind is clickRefPage
	refKind         uint8
	source          uint8 // index into clickSources, if refKind is clickRefSource
	element         int8  // index into the page's elements, or -1
	typ             uint8 // index into clickTypes
	device, country uint8
}

// What a clickEvent's referrer is.
const (
	clickRefNone = iota
	clickRefSource
	clickRefPage
)

// Next implements Generator.
func (c *Clickstream) Next(r *rand.Rand, eventTime time.Time, dst []Value) []Value {
	var e clickEvent
	c.draw(r, &e)
	referrer, element := clickEmpty, clickEmpty
	switch e.refKind {
	case clickRefSource:
		referrer = clickSourceValues[e.source]
	case clickRefPage:
		referrer = e.referrer.value()
	}
	if e.element >= 0 {
		element = clickElements[e.page.page()][e.element]
	}
	return append(dst,
		clickEventPrefix.withHex(e.id),
		Timestamp(eventTime),
		c.ids[e.user],
		clickSessionPrefix.withHex(e.session),
		clickTypes[e.typ],
		e.page.value(),
		referrer,
		element,
		Long(e.dwell),
		clickDeviceValues[e.device],
		clickCountryValues[e.country],
	)
}

// draw makes the next event's choices into e and moves the user's session on.
func (c *Clickstream) draw(r *rand.Rand, e *clickEvent) {
	i := c.pick.pick(r)
	u := &c.users[i]
	if !u.started {
		u.started = true
		u.device = uint8(weighted(r, clickDevices))
		u.country = uint8(r.IntN(len(clickCountryValues)))
	}
	*e = clickEvent{user: i, element: -1}
	endP := 0.04 + 0.02*float64(u.views)
	switch x := r.Float64(); {
	case !u.inSession:
		e.typ = clickSessionStart
		u.session, u.inSession = r.Uint64(), true
		u.views = 0
		u.path = clickPath(r, weighted(r, clickLanding))
		e.refKind, e.source = clickRefSource, uint8(r.IntN(len(clickSources)))
	case x < endP:
		e.typ = clickSessionEnd
		e.refKind, e.referrer = clickRefPage, u.path
		e.dwell = clickDwell(r)
		u.inSession = false
	case x < endP+0.35:
		e.typ = clickClick
		e.element = int8(r.IntN(len(clickElements[u.path.page()])))
		e.dwell = clickDwell(r)
	default:
		e.typ = clickPageView
		e.refKind, e.referrer = clickRefPage, u.path
		u.path = clickPath(r, weighted(r, clickNextCum[u.path.page()]))
		u.views++
		e.dwell = clickDwell(r)
	}
	e.id = r.Uint64()
	e.session, e.page = u.session, u.path
	e.device, e.country = u.device, u.country
}

// clickPathCode is a concrete page: the page kind (index into clickPages) in the low 4
// bits, and above them the category index (category pages) or product number (product
// pages).
type clickPathCode uint16

// clickPath draws a concrete page of a page kind.
func clickPath(r *rand.Rand, page int) clickPathCode {
	var sub int
	switch page {
	case clickCategoryPage:
		sub = r.IntN(len(clickCategoryPaths))
	case clickProductPage:
		sub = 1 + r.IntN(500)
	}
	return clickPathCode(sub<<4 | page)
}

// page returns the page kind, an index into clickPages.
func (p clickPathCode) page() int { return int(p & 0xf) }

// value returns the page's path.
func (p clickPathCode) value() Value {
	page, sub := p.page(), int(p>>4)
	switch page {
	case clickCategoryPage:
		return clickCategoryPaths[sub]
	case clickProductPage:
		return clickProductPrefix.withDec(int64(sub))
	}
	return clickKindPaths[page]
}

// clickDwell returns a time on page in milliseconds: exponential with mean 25 s, at most
// 10 minutes.
func clickDwell(r *rand.Rand) int64 {
	return min(int64(r.ExpFloat64()*25000), 600_000)
}
