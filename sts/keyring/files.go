package keyring

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// The files of a keyring directory.
const (
	masterFile  = "master.json" // master key generations, oldest first
	signingFile = "signing.pem" // RSA signing keys (PKCS #8), oldest first
	maxFileSize = 1 << 20
)

// masterFileFormat is the content of masterFile.
type masterFileFormat struct {
	Format int             `json:"format"` // 1
	Keys   []masterFileKey `json:"keys"`
}

type masterFileKey struct {
	Created time.Time `json:"created"`
	Key     string    `json:"key"` // base64 (standard) of 32 bytes
}

// readFile reads a key file, or reports that there is none.
func readFile(dir, name string) ([]byte, bool, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, false, err
	}
	if len(b) > maxFileSize {
		return nil, false, fmt.Errorf("%s is larger than %d bytes", name, maxFileSize)
	}
	return b, true, nil
}

// writeFile replaces dir/name with data so that a crash leaves either the
// old file or the new one, never part of one: it writes a temporary file
// (mode 0600), syncs it, renames it over name and syncs the directory.
//
// With create set it only creates: if another process made the file in the
// meantime, it keeps that one and reports false, so that two processes
// opening a new directory at once end up with the same keys.
func writeFile(dir, name string, data []byte, create bool) (written bool, err error) {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name()) // after a link, or a failure; a no-op after a rename
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, err
	}
	path := filepath.Join(dir, name)
	written = true
	if create {
		// A hard link fails if path exists, which rename would not.
		err = os.Link(tmp.Name(), path)
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		if err != nil {
			// A file system without hard links: fall back to rename,
			// which loses only the race with another process.
			err = os.Rename(tmp.Name(), path)
		}
	} else {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return false, err
	}
	return written, syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

// encodeMaster renders gens as the content of masterFile.
func encodeMaster(gens []*generation) ([]byte, error) {
	var m masterFileFormat
	m.Format = 1
	for _, g := range gens {
		m.Keys = append(m.Keys, masterFileKey{g.created.UTC(), base64.StdEncoding.EncodeToString(g.master[:])})
	}
	b, err := json.MarshalIndent(m, "", "\t")
	return append(b, '\n'), err
}

// decodeMaster parses the content of masterFile.
func decodeMaster(b []byte) ([]*generation, error) {
	var m masterFileFormat
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m.Format != 1 {
		return nil, fmt.Errorf("unknown format %d", m.Format)
	}
	if len(m.Keys) == 0 || len(m.Keys) > MaxGenerations {
		return nil, fmt.Errorf("%d keys; want 1 to %d", len(m.Keys), MaxGenerations)
	}
	var gens []*generation
	for _, k := range m.Keys {
		key, err := base64.StdEncoding.DecodeString(k.Key)
		if err != nil || len(key) != masterKeyLen {
			return nil, errors.New("a key is not base64 of 32 bytes")
		}
		gens = append(gens, newGeneration([masterKeyLen]byte(key), k.Created))
	}
	return gens, checkGenerations(gens)
}

// encodeSigning renders keys as the content of signingFile.
func encodeSigning(keys []*signingKey) ([]byte, error) {
	var out []byte
	for _, k := range keys {
		der, err := x509.MarshalPKCS8PrivateKey(k.key)
		if err != nil {
			return nil, err
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{
			Type:    "PRIVATE KEY",
			Headers: map[string]string{"Kid": k.kid},
			Bytes:   der,
		})...)
	}
	return out, nil
}

// decodeSigning parses the content of signingFile.
func decodeSigning(b []byte) ([]*signingKey, error) {
	var keys []*signingKey
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("unexpected PEM block %q", block.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok || rk.N.BitLen() < rsaBits {
			return nil, fmt.Errorf("a key is not RSA of at least %d bits", rsaBits)
		}
		keys = append(keys, newSigningKey(rk))
		if len(keys) > MaxGenerations {
			break
		}
	}
	if len(keys) == 0 || len(keys) > MaxGenerations {
		return nil, fmt.Errorf("%d keys; want 1 to %d", len(keys), MaxGenerations)
	}
	if len(keys) == 2 && keys[0].kid == keys[1].kid {
		return nil, errors.New("the same key twice")
	}
	return keys, nil
}
