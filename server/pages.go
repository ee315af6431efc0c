package server

import (
	"fmt"
	"iter"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/btree"

	"huddle/protocol"
)

// Long lists (every user, every meeting of an application) are answered in
// pages of at most Limits.ListPageBytes: a whole list of a big organisation
// would overflow the asker's send queue and disconnect it. The client asks
// for the next page with the cursor the page before ended with; the SDK
// puts the pages together into one result.

// cannotPage answers request id with code 4 if the list goes on after this
// page (next) and the client is too old to ask for the rest: better a
// clear "update the app" than a list it would take for complete.
func (c *conn) cannotPage(id uint64, next string) bool {
	if next == "" || c.version >= protocol.PagesSince {
		return false
	}
	c.fail(id, protocol.MismatchClientVer, "this list is longer than one reply and this app cannot ask for the rest: update the app")
	return true
}

// jsonStringLen is at least the encoded length of s as a JSON string:
// escaped characters count as the longest escape (\u00xx).
func jsonStringLen(s string) int {
	n := 2 // the quotes
	for _, r := range s {
		switch {
		case r == utf8.RuneError, r == '\u2028', r == '\u2029',
			r < 0x20, r == '<', r == '>', r == '&':
			n += 6
		case r == '"', r == '\\':
			n += 2
		default:
			n += utf8.RuneLen(r)
		}
	}
	return n
}

// userStatusLen and meetingLen are at least the encoded length of one
// list entry with the comma after it: field names and punctuation, plus
// each value (omitempty fields counted as if present).
func userStatusLen(u protocol.UserStatus) int {
	const fixed = len(`{"user":,"nick":,"status":,"dnd":},`)
	return fixed + jsonStringLen(u.User) + jsonStringLen(u.Nick) + intLen(int64(u.Status)) + intLen(int64(u.DND))
}

func meetingLen(m protocol.Meeting) int {
	const fixed = len(`{"id":,"pswd":,"subject":,"url":,"creator":,"members":,"start":},`)
	return fixed + intLen(int64(m.ID)) + jsonStringLen(m.Pswd) + jsonStringLen(m.Subject) + jsonStringLen(m.URL) +
		jsonStringLen(m.Creator) + intLen(int64(m.Members)) + intLen(m.StartTime)
}

func intLen(n int64) int {
	var buf [20]byte
	return len(strconv.AppendInt(buf[:0], n, 10))
}

// userIDs is an application's user IDs in order. Lists are taken in pages
// from any ID on, and a user's first sign-in adds one: in O(log n), where
// a sorted slice moved every ID after it (35–38 µs a first sign-in into
// an application of 100,000 users, 8× the B-tree's:
// BenchmarkPresenceFirstSignIn). Not safe for concurrent use.
type userIDs struct{ t *btree.BTreeG[string] }

func newUserIDs() userIDs { return userIDs{btree.NewOrderedG[string](32)} }

func (u userIDs) add(id string) { u.t.ReplaceOrInsert(id) }

// after is the IDs after id (which need not be there), in order.
func (u userIDs) after(id string) iter.Seq[string] {
	return func(yield func(string) bool) {
		u.t.AscendGreaterOrEqual(id, func(x string) bool { return x == id || yield(x) })
	}
}

// usersPage takes one page from ids, in their order; next is the page's
// last ID when more follow.
func usersPage(ids iter.Seq[string], maxBytes int, get func(id string) protocol.UserStatus) protocol.UserStatusList {
	page := protocol.UserStatusList{Users: []protocol.UserStatus{}}
	total := 0
	for id := range ids {
		u := get(id)
		// Always one entry, so that every page moves the cursor on.
		if total += userStatusLen(u); total > maxBytes && len(page.Users) > 0 {
			page.Next = page.Users[len(page.Users)-1].User
			break
		}
		page.Users = append(page.Users, u)
	}
	return page
}

// meetingsPage takes one page from meetings in list order, as user sees them.
func meetingsPage(sorted []*meeting, user string, maxBytes int) protocol.MeetingList {
	page := protocol.MeetingList{Meetings: []protocol.Meeting{}}
	total := 0
	for _, mt := range sorted {
		mi := mt.info(user)
		if total += meetingLen(mi); total > maxBytes && len(page.Meetings) > 0 {
			last := page.Meetings[len(page.Meetings)-1]
			page.Next = meetingCursor{start: last.StartTime, id: int64(last.ID)}.String()
			break
		}
		page.Meetings = append(page.Meetings, mi)
	}
	return page
}

// meetingCursor is where a page of meetings ends, in their order: start
// time, then ID. On the wire it is "start.id".
type meetingCursor struct {
	start int64
	id    int64
}

func (c meetingCursor) String() string { return fmt.Sprintf("%d.%d", c.start, c.id) }

func parseMeetingCursor(s string) (meetingCursor, error) {
	if s == "" {
		return meetingCursor{start: -1 << 63}, nil
	}
	start, id, ok := strings.Cut(s, ".")
	var c meetingCursor
	var err1, err2 error
	c.start, err1 = strconv.ParseInt(start, 10, 64)
	c.id, err2 = strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return c, fmt.Errorf("after: %q is not a cursor this server gave", s)
	}
	return c, nil
}

func (c meetingCursor) before(m *meeting) bool {
	start := m.StartTime.Unix()
	return c.start < start || (c.start == start && c.id < m.ID)
}

func compareMeetings(a, b *meeting) int {
	if d := a.StartTime.Unix() - b.StartTime.Unix(); d != 0 {
		return int(min(max(d, -1), 1))
	}
	return int(min(max(a.ID-b.ID, -1), 1))
}
