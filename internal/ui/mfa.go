package ui

import (
	"errors"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/opsconsole/opsconsole/internal/ui/style"
)

// mfaRequest is a backend asking the operator for a one-time code (an AWS
// assume-role profile with mfa_serial). The backend's goroutine blocks on
// reply while the operator types.
type mfaRequest struct {
	serial string
	reply  chan mfaReply
}

type mfaReply struct {
	code string
	err  error
}

type mfaPromptMsg struct{ req mfaRequest }

// mfaTimeout is how long a backend waits for a code before failing.
const mfaTimeout = 5 * time.Minute

// errMFACancelled is returned to the backend when the operator pressed Esc.
var errMFACancelled = errors.New("MFA code entry cancelled; the AWS panes stay unavailable until you refresh and enter a code")

// askMFA is the fleet hook: it hands the request to the UI and waits.
func (a *App) askMFA(serial string) (string, error) {
	req := mfaRequest{serial: serial, reply: make(chan mfaReply, 1)}
	select {
	case a.mfaRequests <- req:
	case <-a.done:
		return "", errors.New("the console has quit")
	case <-time.After(mfaTimeout):
		return "", errors.New("the console did not take the MFA request")
	}
	select {
	case r := <-req.reply:
		return r.code, r.err
	case <-time.After(mfaTimeout):
		return "", errors.New("no MFA code entered within 5 minutes")
	}
}

// listenMFA is the re-arming command that surfaces MFA requests; it ends
// when the console quits.
func (a *App) listenMFA() tea.Cmd {
	ch, done := a.mfaRequests, a.done
	return func() tea.Msg {
		select {
		case req := <-ch:
			return mfaPromptMsg{req: req}
		case <-done:
			return nil
		}
	}
}

// mfaPrompt is the modal code entry.
type mfaPrompt struct {
	req   mfaRequest
	input textinput.Model
	// prev is the mode to return to: a code asked for in the middle of an
	// action's dialog must not hide the dialog.
	prev mode
}

func (a *App) openMFA(req mfaRequest) tea.Cmd {
	in := newInput(a.st, "MFA code: ")
	in.CharLimit = 8
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	a.mfa = &mfaPrompt{req: req, input: in, prev: a.mode}
	a.mode = modeMFA
	return tea.Batch(in.Focus(), a.listenMFA())
}

func (a *App) mfaKey(k tea.KeyMsg) tea.Cmd {
	m := a.mfa
	switch k.Type {
	case tea.KeyEsc:
		m.req.reply <- mfaReply{err: errMFACancelled}
	case tea.KeyEnter:
		m.req.reply <- mfaReply{code: m.input.Value()}
	default:
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(k)
		return cmd
	}
	a.mfa = nil
	a.mode = m.prev
	return nil
}

func (m *mfaPrompt) view(a *App, width, height int) string {
	st := a.st
	body := st.DialogTitle.Render("AWS asks for a one-time code") + "\n" +
		"MFA device: " + sanitizeLine(m.req.serial) + "\n\n" +
		m.input.View() + "\n\n" + st.Tone(style.Muted, "enter sends   esc cancels (the code is never logged)")
	return placeCenter(st.Dialog.Width(min(width-4, 70)).Render(body), width, height)
}
