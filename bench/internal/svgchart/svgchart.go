// Package svgchart draws line charts as standalone SVG documents with the standard library
// only: panels stacked vertically over one shared x axis, each with its own y axis. The
// benchmarks in bench/ write their charts with it, next to BENCHMARKS.md.
package svgchart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Chart is a set of line panels stacked vertically over one x axis.
type Chart struct {
	Title string
	// XLabel names the x axis under every panel, such as "minutes".
	XLabel string
	// XLog draws the x axis on a log scale, from the power of ten at or below the smallest
	// positive x to the one at or above the largest, with ticks at 1, 2 and 5 times each
	// power of ten; points with x ≤ 0 are left out.
	XLog   bool
	Panels []Panel
	// Markers are vertical lines drawn across every panel, such as the end of production.
	Markers []Marker
}

// Panel is one plot: its series share the y axis.
type Panel struct {
	Title  string
	YLabel string
	Series []Series
}

// Marker is a vertical line at X with a label.
type Marker struct {
	X     float64
	Label string
}

// Point is one value of a series.
type Point struct{ X, Y float64 }

// Series is one line of a panel, drawn through its points in order.
type Series struct {
	Name   string
	Dashed bool
	Points []Point
}

// Geometry of the SVG, in pixels.
const (
	svgWidth     = 860
	panelHeight  = 250
	marginLeft   = 70
	marginRight  = 20
	marginTop    = 58 // the chart's title and a panel's title
	panelGap     = 70 // between panels: the x axis labels and the next title
	marginBottom = 46
)

// palette colours the series of a panel in order.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"}

// Write draws the chart as a standalone SVG document. Axes start at 0 and end at a round
// value at or above the largest x and y.
func Write(w io.Writer, c Chart) error {
	xMax := 0.0
	for _, p := range c.Panels {
		for _, s := range p.Series {
			for _, pt := range s.Points {
				xMax = max(xMax, pt.X)
			}
		}
	}
	for _, m := range c.Markers {
		xMax = max(xMax, m.X)
	}
	xStep, xTop := niceScale(xMax)
	plotW := float64(svgWidth - marginLeft - marginRight)
	xPos := func(v float64) float64 { return marginLeft + v/xTop*plotW }
	var xTicks []float64
	for v := 0.0; v <= xTop+xStep/2; v += xStep {
		xTicks = append(xTicks, v)
	}
	xLabel := func(v float64) string { return tickLabel(v, xStep) }
	if c.XLog {
		xPos, xTicks = logAxis(c, plotW)
		xLabel = siLabel
	}
	height := marginTop + len(c.Panels)*panelHeight + (len(c.Panels)-1)*panelGap + marginBottom

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		svgWidth, height, svgWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="15" font-weight="bold">%s</text>`+"\n", marginLeft, esc(c.Title))
	for i, p := range c.Panels {
		top := float64(marginTop + i*(panelHeight+panelGap))
		bottom := top + panelHeight
		yMax := 0.0
		for _, s := range p.Series {
			for _, pt := range s.Points {
				yMax = max(yMax, pt.Y)
			}
		}
		yStep, yTop := niceScale(yMax)
		x := xPos
		y := func(v float64) float64 { return bottom - v/yTop*panelHeight }

		fmt.Fprintf(&b, `<text x="%d" y="%.0f" font-size="13" font-weight="bold">%s</text>`+"\n", marginLeft, top-8, esc(p.Title))
		// Grid and y axis labels.
		for v := 0.0; v <= yTop+yStep/2; v += yStep {
			fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", marginLeft, y(v), marginLeft+plotW, y(v))
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", marginLeft-6, y(v)+4, tickLabel(v, yStep))
		}
		// x axis labels.
		for _, v := range xTicks {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x(v), top, x(v), bottom)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x(v), bottom+16, xLabel(v))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", marginLeft+plotW/2, bottom+34, esc(c.XLabel))
		fmt.Fprintf(&b, `<text transform="translate(16,%.1f) rotate(-90)" text-anchor="middle">%s</text>`+"\n", top+panelHeight/2, esc(p.YLabel))
		// Axes.
		fmt.Fprintf(&b, `<path d="M%d %.1f V%.1f H%.1f" fill="none" stroke="black"/>`+"\n", marginLeft, top, bottom, marginLeft+plotW)
		for _, m := range c.Markers {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888" stroke-dasharray="2 3"/>`+"\n", x(m.X), top, x(m.X), bottom)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#666" font-size="11">%s</text>`+"\n", x(m.X)-4, bottom-6, esc(m.Label))
		}
		// Lines, then the legend.
		for j, s := range p.Series {
			color := palette[j%len(palette)]
			if len(s.Points) > 0 {
				var pts strings.Builder
				for _, pt := range s.Points {
					if c.XLog && !(pt.X > 0) {
						continue
					}
					if pts.Len() > 0 {
						pts.WriteByte(' ')
					}
					fmt.Fprintf(&pts, "%.1f,%.1f", x(pt.X), y(pt.Y))
				}
				dash := ""
				if s.Dashed {
					dash = ` stroke-dasharray="6 4"`
				}
				fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.8"%s><title>%s</title></polyline>`+"\n",
					pts.String(), color, dash, esc(s.Name))
			}
			ly := top + 14 + float64(j)*16
			lx := marginLeft + plotW - 250
			dash := ""
			if s.Dashed {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", lx, ly-4, lx+22, ly-4, color, dash)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", lx+28, ly, esc(s.Name))
		}
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// logAxis returns the position of x on a log axis and its ticks (see Chart.XLog).
func logAxis(c Chart, plotW float64) (func(float64) float64, []float64) {
	lo, hi := math.Inf(1), 0.0
	see := func(v float64) {
		if v > 0 && !math.IsInf(v, 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	for _, p := range c.Panels {
		for _, s := range p.Series {
			for _, pt := range s.Points {
				see(pt.X)
			}
		}
	}
	for _, m := range c.Markers {
		see(m.X)
	}
	if hi == 0 {
		lo, hi = 1, 10
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	span := math.Log10(hi) - math.Log10(lo)
	pos := func(v float64) float64 {
		if !(v > 0) {
			v = lo
		}
		return marginLeft + (math.Log10(v)-math.Log10(lo))/span*plotW
	}
	var ticks []float64
	for d := lo; d <= hi*1.0001; d *= 10 {
		for _, f := range []float64{1, 2, 5} {
			if v := d * f; v <= hi*1.0001 {
				ticks = append(ticks, v)
			}
		}
	}
	return pos, ticks
}

// niceScale returns a tick step of 1, 2 or 5 times a power of ten giving four to ten
// ticks, and the axis top: the first multiple of the step at or above v (at least one step).
func niceScale(v float64) (step, top float64) {
	if !(v > 0) || math.IsInf(v, 0) {
		return 1, 1
	}
	raw := v / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / mag; {
	case f <= 1:
		step = mag
	case f <= 2:
		step = 2 * mag
	case f <= 5:
		step = 5 * mag
	default:
		step = 10 * mag
	}
	top = math.Ceil(v/step-1e-9) * step
	return step, max(top, step)
}

// tickLabel formats a tick value with as many decimals as the step needs.
func tickLabel(v, step float64) string {
	decimals := 0
	if step < 1 {
		decimals = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// siLabel writes a tick of a log axis with an SI suffix: 500, 2k, 1M.
func siLabel(v float64) string {
	for _, u := range []struct {
		scale  float64
		suffix string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= u.scale {
			return strconv.FormatFloat(v/u.scale, 'g', -1, 64) + u.suffix
		}
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// esc escapes text for XML.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
