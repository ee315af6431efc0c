package app

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// LinkScheme starts every Huddle link; packaging registers it with the
// desktop so a click on huddle://meet/<ID> opens the app there.
const LinkScheme = "huddle://"

// IsLink says whether a command-line argument is a Huddle link.
func IsLink(arg string) bool { return strings.HasPrefix(strings.ToLower(arg), LinkScheme) }

// ParseLink reads a meeting link, huddle://meet/<ID> (a trailing slash,
// query or fragment is ignored), into the meeting's ID.
func ParseLink(link string) (int, error) {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || !strings.EqualFold(u.Scheme, "huddle") {
		return 0, fmt.Errorf("%q is not a Huddle link (huddle://meet/<ID>)", link)
	}
	if !strings.EqualFold(u.Host, "meet") {
		return 0, fmt.Errorf("%q does not point to a meeting (huddle://meet/<ID>)", link)
	}
	raw := strings.Trim(u.Path, "/")
	id, err := strconv.Atoi(raw)
	if err != nil || id <= 0 || strings.Contains(raw, "/") {
		return 0, fmt.Errorf("%q has no valid meeting ID (huddle://meet/<ID>)", link)
	}
	return id, nil
}

// OpenMeeting shows meeting id once the meetings are known: after the
// next list from the server, OnMeetingOpened says whether it exists, and
// Meetings.Highlighted marks it. Call it before or after signing in.
func (c *Client) OpenMeeting(id int) {
	c.Meetings.wanted = id
	if c.signedIn {
		c.Meetings.Refresh()
	}
}
