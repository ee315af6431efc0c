package session

import (
	"slices"
	"strings"

	"huddle/protocol"
)

// The server answers long lists (users, meetings) in pages, so that a big
// organisation's list never overflows its send queue; GetUserStatus and
// GetMeetings ask for every page and deliver one result.

// fetchPages asks for op's pages one after another. page takes each
// answer and returns its Next ("" on the last page); done runs once, with
// NOERR after the last page or with the code that stopped it.
func (s *Session) fetchPages(op string, page func(protocol.Message) (next string, err error), done func(ErrCode)) {
	var ask func(after string)
	ask = func(after string) {
		s.call(op, protocol.ListPage{After: after},
			func(m protocol.Message) {
				next, err := page(m)
				switch {
				case err != nil || (next != "" && next == after): // a server going round in circles
					done(protocol.ErrData)
				case next != "":
					ask(next)
				default:
					done(protocol.NoErr)
				}
			}, done)
	}
	ask("")
}

// statusWatch collects the status pushes that arrive while a user list is
// being fetched: a page may be older than a push that came after it, so
// the pushes are laid over the pages (and later pushes follow the result,
// in the dispatcher's order).
type statusWatch struct {
	pushed map[string]protocol.UserStatus // the latest per user
}

func (s *Session) watchStatus() *statusWatch {
	w := &statusWatch{pushed: make(map[string]protocol.UserStatus)}
	s.mu.Lock()
	if s.statusWatches == nil {
		s.statusWatches = make(map[*statusWatch]struct{})
	}
	s.statusWatches[w] = struct{}{}
	s.mu.Unlock()
	return w
}

// sawStatus records a push for every list being fetched; s.mu held.
func (s *Session) sawStatus(u protocol.UserStatus) {
	for w := range s.statusWatches {
		w.pushed[u.User] = u
	}
}

// unwatchStatus ends w and lays what it saw over the pages.
func (s *Session) unwatchStatus(w *statusWatch, pages []protocol.UserStatus) []UserStatus {
	s.mu.Lock()
	delete(s.statusWatches, w)
	s.mu.Unlock()
	out := make([]UserStatus, len(pages), len(pages)+len(w.pushed))
	for i, u := range pages {
		if p, ok := w.pushed[u.User]; ok {
			u = p
			delete(w.pushed, u.User)
		}
		out[i] = userStatusFrom(u)
	}
	if len(w.pushed) == 0 {
		return out
	}
	// Users who signed in for the first time after their page was taken.
	for _, u := range w.pushed {
		out = append(out, userStatusFrom(u))
	}
	slices.SortFunc(out, func(a, b UserStatus) int { return strings.Compare(a.UserID, b.UserID) })
	return out
}
