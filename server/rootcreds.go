package server

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/wicket-io/wicket"
)

// rootCredentialsFile holds generated root credentials in the data
// directory, readable by its owner only.
const rootCredentialsFile = "root-credentials.json"

// RootCredentials returns the endpoint's root key pair: the one in the
// environment (WICKET_ROOT_ACCESS_KEY and WICKET_ROOT_SECRET_KEY, given by
// getenv) when set; else the pair kept in dataDir; else a new pair, written
// to dataDir. generated says the pair is new, so that the caller prints it
// once.
func RootCredentials(dataDir string, getenv func(string) string) (c wicket.RootCredentials, generated bool, err error) {
	ak, sk := getenv("WICKET_ROOT_ACCESS_KEY"), getenv("WICKET_ROOT_SECRET_KEY")
	switch {
	case ak != "" && sk != "":
		if err := checkRootCredentials(ak, sk); err != nil {
			return c, false, err
		}
		return wicket.RootCredentials{AccessKeyID: ak, SecretAccessKey: sk}, false, nil
	case ak != "" || sk != "":
		return c, false, errors.New("set both WICKET_ROOT_ACCESS_KEY and WICKET_ROOT_SECRET_KEY, or neither")
	}
	path := filepath.Join(dataDir, rootCredentialsFile)
	for range 2 {
		if c, err = readRootCredentials(path); !errors.Is(err, fs.ErrNotExist) {
			return c, false, err
		}
		c = wicket.RootCredentials{AccessKeyID: "AKIA" + randomString(16, upperAlnum), SecretAccessKey: randomString(40, secretChars)}
		b, _ := json.MarshalIndent(c, "", "  ")
		// Two first starts at once (the second then finds the data
		// directory locked) must not leave on disk keys other than those
		// the first printed: the file is only ever created, never replaced.
		err = createFileDurably(path, append(b, '\n'), 0o600)
		if !errors.Is(err, fs.ErrExist) {
			if err != nil {
				return c, false, fmt.Errorf("store root credentials: %w", err)
			}
			return c, true, nil
		}
	}
	return c, false, fmt.Errorf("store root credentials: %s keeps appearing and vanishing", path)
}

// readRootCredentials reads the generated root credentials kept at path.
func readRootCredentials(path string) (c wicket.RootCredentials, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(b, &c); err != nil {
			return c, fmt.Errorf("read root credentials %s: %w", path, err)
		}
		if err := checkRootCredentials(c.AccessKeyID, c.SecretAccessKey); err != nil {
			return c, fmt.Errorf("root credentials in %s: %w", path, err)
		}
		return c, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	return c, fmt.Errorf("read root credentials: %w", err)
}

// checkRootCredentials applies the shape AWS gives access keys, so that
// every client accepts them.
func checkRootCredentials(ak, sk string) error {
	if len(ak) < 16 || len(ak) > 128 {
		return fmt.Errorf("root access key must be 16 to 128 characters, not %d", len(ak))
	}
	for _, c := range ak {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return errors.New("root access key must hold only letters and digits")
		}
	}
	if len(sk) < 16 {
		return fmt.Errorf("root secret key must be at least 16 characters, not %d", len(sk))
	}
	return nil
}

const (
	upperAlnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// randomString draws n characters from alphabet, whose length must divide
// 256 so that every character is equally likely.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// createFileDurably creates path with data, or fails with fs.ErrExist if it
// exists: it writes a temporary file, fsyncs it, links it to path and
// fsyncs the directory, so that a crash leaves no file or the whole one.
func createFileDurably(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// A hard link, unlike a rename, fails if path exists. A file system
	// without hard links falls back to rename, losing only that race; any
	// other failure is one.
	if err := os.Link(tmp.Name(), path); errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOTSUP) {
		if err := os.Rename(tmp.Name(), path); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
