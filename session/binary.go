package session

import "errors"

// handleBinary receives bulk data frames from the server.
func (s *Session) handleBinary(l *link, data []byte) error {
	return errors.New("unexpected binary frame")
}
