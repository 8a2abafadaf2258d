package analysis

import (
	"fmt"
	"time"

	"github.com/opsconsole/opsconsole/internal/units"
)

// AgePoint is one iterator-age sample (GetRecords.IteratorAgeMilliseconds,
// Maximum, one per period).
type AgePoint struct {
	Time time.Time
	Age  time.Duration
}

// LagInput is what the lag verdict needs: the latest maximum iterator age,
// the stream's incoming rates, its retention and the recent age samples.
type LagInput struct {
	IteratorAge           time.Duration
	IncomingRecordsPerSec float64
	IncomingBytesPerSec   float64
	Retention             time.Duration
	Trend                 []AgePoint
}

// LagLevel is the verdict on consumer lag.
type LagLevel int

const (
	LagOK LagLevel = iota
	// LagWarning: the oldest unread record has used more than half of the
	// retention period.
	LagWarning
	// LagAlarm: more than 80% used; data is about to expire unread.
	LagAlarm
)

func (l LagLevel) String() string {
	switch l {
	case LagWarning:
		return "warning"
	case LagAlarm:
		return "alarm"
	}
	return "ok"
}

// Thresholds on the share of retention used by the oldest unread record.
const (
	LagWarningShare = 0.5
	LagAlarmShare   = 0.8
)

// Lag is the verdict and the numbers behind it.
type Lag struct {
	// Backlog estimate: iterator age x incoming rate. It assumes the rate was
	// the same while the backlog built up, so it is an estimate, not a count.
	BacklogRecords float64
	BacklogBytes   float64
	// RetentionUsed is iterator age / retention (1 = records expire unread).
	RetentionUsed float64
	Level         LagLevel
	// Growth is how fast the age grows, in seconds per second, from a
	// least-squares fit of Trend; GrowthKnown is false with fewer than two
	// samples. 1 means consumers have stopped, <0 that they are catching up.
	Growth      float64
	GrowthKnown bool
	// TimeToLoss is when the oldest unread record reaches the retention
	// period at the current growth; LossKnown is false when the age is not
	// growing (or growth is unknown). Zero with LossKnown means data is being
	// lost now.
	TimeToLoss time.Duration
	LossKnown  bool
	Message    string
}

// AssessLag computes backlog, retention use and the time left before data is
// lost.
func AssessLag(in LagInput) Lag {
	age := in.IteratorAge.Seconds()
	l := Lag{
		BacklogRecords: age * in.IncomingRecordsPerSec,
		BacklogBytes:   age * in.IncomingBytesPerSec,
	}
	if in.Retention > 0 {
		l.RetentionUsed = in.IteratorAge.Seconds() / in.Retention.Seconds()
	}
	switch {
	case l.RetentionUsed > LagAlarmShare:
		l.Level = LagAlarm
	case l.RetentionUsed > LagWarningShare:
		l.Level = LagWarning
	}
	if g, ok := growth(in.Trend); ok {
		l.Growth, l.GrowthKnown = g, true
	}
	switch {
	case in.Retention > 0 && in.IteratorAge >= in.Retention:
		l.LossKnown = true
	case l.GrowthKnown && l.Growth > 0 && in.Retention > 0:
		left := (in.Retention - in.IteratorAge).Seconds() / l.Growth
		l.TimeToLoss, l.LossKnown = time.Duration(left*float64(time.Second)), true
	}
	l.Message = l.message(in)
	return l
}

func (l Lag) message(in LagInput) string {
	if in.IteratorAge <= 0 {
		return "consumers are caught up"
	}
	msg := fmt.Sprintf("oldest unread record is %s old (%s of %s retention); backlog ~%s records, ~%s",
		FormatDuration(in.IteratorAge), pct(l.RetentionUsed), FormatDuration(in.Retention),
		units.Count(l.BacklogRecords), units.Bytes(l.BacklogBytes))
	switch {
	case l.LossKnown && l.TimeToLoss == 0:
		return msg + "; records are expiring unread now"
	case l.Level == LagAlarm && l.LossKnown:
		return msg + "; data will be lost in ~" + FormatDuration(l.TimeToLoss)
	case l.Level == LagAlarm && !l.GrowthKnown:
		// No trend: say what happens if consumers have stalled (growth 1).
		return msg + "; if consumers have stalled, data will be lost in ~" + FormatDuration(in.Retention-in.IteratorAge)
	case l.Level == LagAlarm:
		return msg + "; the age is not growing, consumers are holding or catching up"
	case l.Level == LagWarning && l.LossKnown:
		return msg + "; at this rate data will be lost in ~" + FormatDuration(l.TimeToLoss)
	}
	return msg
}

// growth is the least-squares slope of age over time, in seconds per second.
func growth(pts []AgePoint) (float64, bool) {
	if len(pts) < 2 {
		return 0, false
	}
	t0 := pts[0].Time
	var n, sx, sy, sxx, sxy float64
	for _, p := range pts {
		x := p.Time.Sub(t0).Seconds()
		y := p.Age.Seconds()
		n++
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0, false
	}
	return (n*sxy - sx*sy) / den, true
}

// FormatDuration is a short human duration: "45s", "41m", "2.5 h", "3 d".
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.0fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%.0fm", d.Minutes())
	case d < 10*time.Hour:
		return trimZero(fmt.Sprintf("%.1f", d.Hours())) + " h"
	case d < 72*time.Hour:
		return fmt.Sprintf("%.0f h", d.Hours())
	}
	return trimZero(fmt.Sprintf("%.1f", d.Hours()/24)) + " d"
}

func trimZero(s string) string {
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}
