// Package units formats numbers the way an operator reads them: sizes in
// binary units, rates with their unit, counts with k/M, ages compact, and
// sparklines. Units are always shown.
package units

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Bytes formats a size in binary units: "512 B", "1.5 KiB", "50 GiB".
func Bytes(n float64) string {
	names := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for math.Abs(n) >= 1024 && i < len(names)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return trimZero(fmt.Sprintf("%.1f", n)) + " " + names[i]
}

// ByteRate formats bytes per second: "3.71 MiB/s".
func ByteRate(bps float64) string {
	if bps < 1024 {
		return fmt.Sprintf("%.0f B/s", bps)
	}
	if bps < 1024*1024 {
		return fmt.Sprintf("%.1f KiB/s", bps/1024)
	}
	return fmt.Sprintf("%.2f MiB/s", bps/(1024*1024))
}

// Count formats a count compactly: 950, 9.5k, 920k, 4.1M.
func Count(n float64) string {
	switch a := math.Abs(n); {
	case a >= 1e9:
		return trimZero(fmt.Sprintf("%.1f", n/1e9)) + "G"
	case a >= 1e6:
		return trimZero(fmt.Sprintf("%.1f", n/1e6)) + "M"
	case a >= 1e4:
		return fmt.Sprintf("%.0fk", n/1e3)
	case a >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", n/1e3)) + "k"
	}
	return fmt.Sprintf("%.0f", n)
}

// trimZero drops a ".0" decimal: "50.0" -> "50".
func trimZero(s string) string {
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

// Duration formats an age or lag: 0s, 45s, 41m, 5h12m, 3d4h.
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		h := int(d.Hours())
		m := int(d.Minutes()) % 60
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%02dm", h, m)
	}
	days := int(d.Hours()) / 24
	return fmt.Sprintf("%dd%dh", days, int(d.Hours())%24)
}

// Percent formats 0..100 with no decimals ("87%").
func Percent(p float64) string { return fmt.Sprintf("%.0f%%", p) }

var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one line of block characters, scaled from 0
// to the series' maximum, keeping the newest width values.
func Sparkline(values []float64, width int) string {
	if width <= 0 || len(values) == 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	maxV := 0.0
	for _, v := range values {
		if v > maxV {
			maxV = v
		}
	}
	var b strings.Builder
	for _, v := range values {
		i := 0
		if maxV > 0 && v > 0 {
			i = int(math.Round(v / maxV * float64(len(sparks)-1)))
		}
		b.WriteRune(sparks[i])
	}
	return b.String()
}
