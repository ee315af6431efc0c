package media

// What the end-to-end tests in package media_test (which import testkit,
// and so this package through the bot) share with the tests here.

type CaptureSink = captureSink

func NewCaptureSink() *CaptureSink { return newCaptureSink() }

func (c *captureSink) Snapshot() []int16 { return c.snapshot() }

var HeardTone = heardTone

const RecorderJitter = recorderJitter
