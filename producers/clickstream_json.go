package producers

import (
	"math/rand/v2"
)

// The clickstream's fast path. A stream of JSON records from a *Clickstream (see
// jsonGenerator in stream.go) does not go through Next, Values and the generic encoder
// (encode.go): appendNextJSON draws the event as Next does (both call draw) and writes
// its record directly, copying most of the text from strings made once per user and per
// table entry. This is the path of the producer's CPU profile. Its records must equal,
// byte for byte, what Next and the encoder make of the same draws: TestJSONFastPath
// (clickstream_json_test.go) compares the two on 50,000 events with late and malformed
// ones, and TestGoldenStreams pins both against files.

// appendNextJSON implements jsonGenerator: Next and the JSON encoding in one. The text
// that is the same from event to event (names, the user's key and id, and values from
// small tables with the names around them) is copied from strings made once, a few
// fields at a time.
func (c *Clickstream) appendNextJSON(r *rand.Rand, eventTime int64, dst []byte) ([]byte, int) {
	var e clickEvent
	c.draw(r, &e)
	t := &clickJSON
	u := &c.users[e.user]
	dst = append(dst, u.text[:u.head]...)
	dst = appendHex16(dst, e.id)
	dst = c.time.append(dst, eventTime)
	dst = append(dst, u.text[u.head:]...)
	dst = appendHex16(dst, e.session)
	dst = e.page.appendJSON(dst, t.paths[e.typ])
	switch e.refKind {
	case clickRefNone:
		dst = append(dst, t.lead[6]...)
	case clickRefSource:
		dst = append(dst, t.sources[e.source]...)
	case clickRefPage:
		dst = e.referrer.appendJSON(dst, t.refs)
	}
	dst = append(dst, t.elements[e.page.page()][e.element+1]...)
	dst = appendInt(dst, e.dwell)
	dst = append(dst, t.tails[int(e.device)*len(clickCountries)+int(e.country)]...)
	return dst, int(u.key)
}

// setText sets the text of the user's JSON records, for the user id id.
func (u *clickUser) setText(id string) {
	t := &clickJSON
	head := id + t.lead[0] + clickEventPrefix.s
	u.text = head + t.lead[2] + id + t.lead[3] + clickSessionPrefix.s
	u.key, u.head = uint8(len(id)), uint8(len(head))
}

// appendJSON appends the page's path after text from paths (see clickJSON): the text
// before the path and the path, or for a product page the text before the product
// number and the number.
func (p clickPathCode) appendJSON(dst []byte, paths []string) []byte {
	if p.page() == clickProductPage {
		return appendInt(append(dst, paths[clickProductPage]...), int64(p>>4))
	}
	return append(dst, paths[p]...)
}

// clickJSON is the text of clickstream JSON records that does not depend on the user
// (see encoder.lead for lead), with the values that come from small tables written in
// together with the text around them:
//   - paths[t][code]: from after the session id to the end of the page's path, for
//     event type t and a page that is not a product page, and for product pages (code
//     clickProductPage) to the end of the path's prefix;
//   - refs, sources: as paths, from after the page's path to the referrer's path or
//     the external source;
//   - elements[page][i+1]: from after the referrer to the dwell time, for element i of
//     the page (-1: none);
//   - tails[d*len(clickCountries)+c]: the rest of the record from after the dwell time
//     for device d and country c.
var clickJSON = func() (t struct {
	lead     []string
	paths    [][]string
	refs     []string
	sources  []string
	elements [][]string
	tails    []string
}) {
	t.lead = newEncoder(EncodingJSON, clickSchema.Fields).lead
	// Path codes of pages other than product pages are below this, the code of the last
	// category page rounded up.
	codes := len(clickCategoryPaths) << 4
	t.paths, t.refs = make([][]string, len(clickTypes)), make([]string, codes)
	for typ := range t.paths {
		t.paths[typ] = make([]string, codes)
	}
	for code := range clickPathCode(codes) {
		page, sub := code.page(), int(code>>4)
		if page >= len(clickPages) || sub > 0 && (page != clickCategoryPage || sub >= len(clickCategoryPaths)) {
			continue // no such page
		}
		path := code.value().s // for a product page, its prefix
		for typ := range t.paths {
			t.paths[typ][code] = t.lead[4] + clickTypes[typ].s + t.lead[5] + path
		}
		t.refs[code] = t.lead[6] + path
	}
	for _, s := range clickSources {
		t.sources = append(t.sources, t.lead[6]+s)
	}
	for _, p := range clickPages {
		e := []string{t.lead[7] + t.lead[8]}
		for _, el := range p.elements {
			e = append(e, t.lead[7]+el+t.lead[8])
		}
		t.elements = append(t.elements, e)
	}
	for _, d := range clickDevNames {
		for _, c := range clickCountries {
			t.tails = append(t.tails, t.lead[9]+d+t.lead[10]+c+t.lead[11])
		}
	}
	return t
}()
