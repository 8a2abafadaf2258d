package ui

import (
	"encoding/base64"
	"io"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

// osc52 is the escape sequence that asks the terminal to set the clipboard.
// It travels in-band, so it works over SSH and tmux (with set-clipboard on).
func osc52(text string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(text)) + "\x07"
}

// copy sends text to the operator's clipboard through OSC 52.
func (a *App) copy(text string) tea.Cmd {
	out := a.sess.Output
	if out == nil {
		return a.toastCmd("no terminal to copy to", true)
	}
	seq := osc52(text)
	return func() tea.Msg {
		if _, err := io.WriteString(out, seq); err != nil {
			return pane.ToastMsg{Text: "copy failed: " + err.Error(), Error: true}
		}
		return pane.ToastMsg{Text: "copied to clipboard (OSC 52)"}
	}
}
