package app

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"huddle/session"
)

// BenchmarkContactsRebuild is what a screen refresh pays after a status
// change: the contact list sorted again (online first, then by name). It
// runs for 100,000 contacts and, as the baseline in the same run, 1,000;
// big/small is 100 if the sort is linear in the contacts, ~167 for n log n.
func BenchmarkContactsRebuild(b *testing.B) {
	lists := map[int]*Contacts{}
	for _, n := range []int{1_000, 100_000} {
		c := newContacts()
		c.reset("me")
		users := make([]session.UserStatus, n)
		for i := range users {
			users[i] = session.UserStatus{UserID: fmt.Sprintf("user-%06d", i), NickName: fmt.Sprintf("Member %06d", n-i), UserStatus: i % 2}
		}
		c.replace(users)
		lists[n] = c
	}
	rebuild := func(c *Contacts) {
		c.update(session.UserStatus{UserID: "user-000007", UserStatus: 2}) // one change, then the refresh
		if c.Len() == 0 {
			b.Fatal("empty")
		}
	}
	var small, big float64
	for b.Loop() {
		start := b.Elapsed()
		rebuild(lists[1_000])
		mid := b.Elapsed()
		rebuild(lists[100_000])
		small += float64(mid - start)
		big += float64(b.Elapsed() - mid)
	}
	b.ReportMetric(big/float64(b.N)/1e6, "100k-ms")
	b.ReportMetric(small/float64(b.N)/1e6, "1k-ms")
	b.ReportMetric(big/small, "100k/1k")
}

// After a rebuild, changes are applied to the sorted rows in place; what
// that must still get right: a status change moves a contact, a new user
// and a new nickname are gathered again (the query may match them now).
func TestContactsRebuildAfterChanges(t *testing.T) {
	c := newContacts()
	c.reset("me")
	c.replace([]session.UserStatus{
		{UserID: "me", UserStatus: 1}, {UserID: "ann", NickName: "Ann", UserStatus: 1}, {UserID: "bob", NickName: "Bob"},
	})
	ids := func() (out []string) {
		for i := range c.Len() {
			out = append(out, c.At(i).UserID)
		}
		return out
	}
	assert.Equal(t, []string{"ann", "bob"}, ids())
	c.update(session.UserStatus{UserID: "ann", UserStatus: 0})
	c.update(session.UserStatus{UserID: "bob", UserStatus: 1})
	assert.Equal(t, []string{"bob", "ann"}, ids(), "online first")
	c.update(session.UserStatus{UserID: "al", NickName: "Al", UserStatus: 1})
	assert.Equal(t, []string{"al", "bob", "ann"}, ids(), "a new user is listed")
	c.SetQuery("zed")
	assert.Empty(t, ids())
	c.update(session.UserStatus{UserID: "bob", NickName: "Zed", UserStatus: 1})
	assert.Equal(t, []string{"bob"}, ids(), "a new nickname the query matches")
	assert.Equal(t, "Zed", c.Name("bob"))
}
