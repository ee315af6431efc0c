package bench

import (
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
)

// ScratchDir makes a folder for transfer files, in memory (/dev/shm) where
// there is one, so that disk write-back does not favour whichever copy
// runs second. The caller removes it.
func ScratchDir() (string, error) {
	if dir, err := os.MkdirTemp("/dev/shm", "huddle-bench-"); err == nil {
		return dir, nil
	}
	return os.MkdirTemp("", "huddle-bench-")
}

// WriteRandomFile writes size bytes that no compression or deduplication
// could shorten.
func WriteRandomFile(path string, size int64) error {
	block := make([]byte, 4<<20)
	if _, err := rand.Read(block); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for written := int64(0); written < size; {
		n := min(int64(len(block)), size-written)
		if _, err := f.Write(block[:n]); err != nil {
			f.Close()
			return err
		}
		block[0]++ // no two blocks alike
		written += n
	}
	return f.Close()
}

// CopyOverTCP is the baseline for a relayed transfer: src → loopback TCP →
// dst, then dst is removed. io.Copy lets the kernel splice the bytes
// without them ever entering the process; userland forces them through a
// 256 KiB buffer on both sides, as any program that looks at the bytes must.
func CopyOverTCP(src, dst string, userland bool) error {
	copyFn := io.Copy
	if userland {
		copyFn = func(w io.Writer, r io.Reader) (int64, error) {
			return io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{r}, make([]byte, 256<<10))
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	received := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			received <- err
			return
		}
		defer c.Close()
		out, err := os.Create(dst)
		if err != nil {
			received <- err
			return
		}
		_, err = copyFn(out, c)
		received <- errors.Join(err, out.Close())
	}()
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	_, err = copyFn(c, in)
	err = errors.Join(err, c.Close(), <-received)
	return errors.Join(err, os.Remove(dst))
}
