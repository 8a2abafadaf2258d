package corednsui

import (
	"fmt"
	"strings"

	"github.com/opsconsole/opsconsole/internal/k8s"
	"github.com/opsconsole/opsconsole/internal/k8s/corefile"
	"github.com/opsconsole/opsconsole/internal/ui/keys"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

type corefileMsg struct {
	report k8s.CorefileReport
	err    error
}

// corefileView shows the Corefile with the findings' lines marked, then
// each finding: what, why, fix.
type corefileView struct {
	report k8s.CorefileReport
	err    error
	scroll int
}

func (v *corefileView) navigate(km *keys.Map, ks string) bool {
	switch {
	case km.Matches(ks, "down"):
		v.scroll++
	case km.Matches(ks, "up"):
		v.scroll = max(0, v.scroll-1)
	case km.Matches(ks, "page-down"):
		v.scroll += 10
	case km.Matches(ks, "page-up"):
		v.scroll = max(0, v.scroll-10)
	default:
		return false
	}
	return true
}

func findingTone(s corefile.Severity) style.Tone {
	switch s {
	case corefile.Error:
		return style.Crit
	case corefile.Warning:
		return style.Warn
	}
	return style.Muted
}

func (v *corefileView) lines(st *style.Styles, width int) []string {
	if v.err != nil {
		return []string{st.Tone(style.Crit, " !! "+pane.OneLine(v.err.Error()))}
	}
	r := v.report
	byLine := map[int]corefile.Finding{}
	for _, f := range r.Findings {
		if old, ok := byLine[f.Line]; !ok || f.Severity > old.Severity {
			byLine[f.Line] = f
		}
	}
	out := []string{st.Tone(style.Accent, " Corefile from ConfigMap "+pane.OneLine(r.ConfigMap))}
	for i, l := range strings.Split(r.Raw, "\n") {
		n := i + 1
		text := fmt.Sprintf(" %3d  %s", n, pane.OneLine(l))
		if f, ok := byLine[n]; ok {
			text = st.Tone(findingTone(f.Severity), fmt.Sprintf(" %3d %s%s", n, markFor(f.Severity), pane.OneLine(l)))
		}
		out = append(out, text)
	}
	if r.ParseErr != nil {
		out = append(out, "", st.Tone(style.Crit, " !! does not parse: "+pane.OneLine(r.ParseErr.Error())))
	}
	if len(r.Findings) == 0 {
		return append(out, "", st.Tone(style.OK, " no known misconfiguration"))
	}
	word := "findings"
	if len(r.Findings) == 1 {
		word = "finding"
	}
	out = append(out, "", st.Tone(style.Accent, fmt.Sprintf(" %d %s", len(r.Findings), word)))
	for _, f := range r.Findings {
		where := ""
		if f.Line > 0 {
			where = fmt.Sprintf("line %d: ", f.Line)
		}
		out = append(out, " "+st.Tone(findingTone(f.Severity), markFor(f.Severity)+f.Severity.String()+" "+where+pane.OneLine(f.What)))
		for _, part := range []struct{ label, text string }{{"why: ", f.Why}, {"fix: ", f.Fix}} {
			for i, l := range pane.Wrap(pane.OneLine(part.text), width-11) {
				prefix := "          "
				if i == 0 {
					prefix = "     " + part.label
				}
				out = append(out, prefix+l)
			}
		}
	}
	return out
}

func markFor(s corefile.Severity) string {
	switch s {
	case corefile.Error:
		return "!! "
	case corefile.Warning:
		return "!  "
	}
	return "   "
}

func (v *corefileView) view(st *style.Styles, width, height int) string {
	all := v.lines(st, width)
	v.scroll = min(v.scroll, max(0, len(all)-height))
	out := all[v.scroll:]
	if len(out) > height {
		out = out[:height]
	}
	return strings.Join(out, "\n")
}
