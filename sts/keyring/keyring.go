package keyring

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wicket-io/wicket"
)

const (
	// MaxGenerations is how many master keys, and how many signing keys,
	// a Keyring keeps: the current one and the one before it.
	MaxGenerations = 2

	// DefaultCacheEntries is the size of the cache of opened tokens when
	// Options.CacheEntries is 0.
	DefaultCacheEntries = 1 << 16

	masterKeyLen = 32
	rsaBits      = 2048
)

// Options configure a Keyring.
type Options struct {
	// MasterKey, when set, is the master key instead of the one kept in
	// the directory: base64 (standard encoding) of 32 random bytes, the
	// same on every node of a cluster. To rotate it, give two keys
	// separated by a comma: the first seals new tokens, the second still
	// opens tokens it sealed. Neither is ever written to the directory.
	//
	// This string is a secret: load it from a protected file or the
	// environment, never from a command line.
	MasterKey string
	// Clock gives the time of issue when Claims.Issued is zero, and the
	// creation time of new keys. Nil means the system clock.
	Clock wicket.Clock
	// CacheEntries bounds the cache of opened tokens: 0 means
	// DefaultCacheEntries; a negative number turns the cache off.
	CacheEntries int
}

// Keyring holds Wicket's secrets — the master keys that seal session tokens
// and derive their secrets, and the RSA keys that sign OpenID tokens — and
// never hands their bytes out. It is safe for concurrent use.
type Keyring struct {
	dir        string
	clock      wicket.Clock
	configured bool // the master keys come from Options.MasterKey

	mu      sync.Mutex                    // serialises changes to the keys and their files
	master  atomic.Pointer[[]*generation] // oldest first; the last seals
	signing atomic.Pointer[signingSet]    // oldest first; the last signs
	cache   *cache                        // nil when off
}

// String names the keyring by its directory, so that printing one, by
// mistake or in a log, shows nothing secret.
func (k *Keyring) String() string { return "keyring " + k.dir }

// generation is one master key and the subkeys derived from it.
type generation struct {
	id      [4]byte
	created time.Time
	master  [masterKeyLen]byte
	akid    *macKey // subkey for access key ids
	secret  *macKey // subkey for secret access keys
	seal    *macKey // subkey for the per-token sealing keys
}

// Labels of the subkeys, for HKDF-Expand (RFC 5869) with the master key as
// the pseudorandom key. Changing one changes every token and secret.
const (
	labelID     = "wicket keyring v1 key id"
	labelAKID   = "wicket keyring v1 access key id"
	labelSecret = "wicket keyring v1 secret access key"
	labelSeal   = "wicket keyring v1 seal"
)

func newGeneration(master [masterKeyLen]byte, created time.Time) *generation {
	g := &generation{master: master, created: created}
	expand := func(label string) []byte {
		b, err := hkdf.Expand(sha256.New, master[:], label, 32)
		if err != nil {
			panic("keyring: hkdf: " + err.Error()) // only for lengths out of range
		}
		return b
	}
	copy(g.id[:], expand(labelID))
	g.akid = newMACKey(expand(labelAKID))
	g.secret = newMACKey(expand(labelSecret))
	g.seal = newMACKey(expand(labelSeal))
	return g
}

func randomGeneration(created time.Time) *generation {
	var key [masterKeyLen]byte
	rand.Read(key[:]) // never fails (crypto/rand crashes the program instead)
	return newGeneration(key, created)
}

func checkGenerations(gens []*generation) error {
	if len(gens) == 2 && gens[0].id == gens[1].id {
		return errors.New("two master keys with the same key id (the same key twice?)")
	}
	return nil
}

// KeyInfo describes a master key without revealing it.
type KeyInfo struct {
	ID      string    // the key id that tokens carry, in hex
	Created time.Time // zero for keys from Options.MasterKey
	Current bool      // the key that seals new tokens
}

// Open opens the keyring in dir, creating dir (mode 0700) and its keys
// (files of mode 0600) when they do not exist yet: a random master key,
// unless o.MasterKey gives one, and an RSA-2048 signing key. Reopening the
// directory finds the same keys.
//
// Only one process should use a directory at a time: keys are read when it
// opens, so a rotation by another process is not seen until it reopens.
func Open(dir string, o Options) (*Keyring, error) {
	const op = "keyring.Open"
	k := &Keyring{dir: dir, clock: o.Clock}
	if k.clock == nil {
		k.clock = wicket.SystemClock{}
	}
	if err := makeDir(dir); err != nil {
		return nil, wicket.E(op, wicket.Internal, "cannot create the keyring directory", err)
	}

	var gens []*generation
	if o.MasterKey != "" {
		var err error
		if gens, err = parseMasterKeys(o.MasterKey); err != nil {
			return nil, wicket.E(op, wicket.Invalid, "the master key must be base64 of 32 bytes, or two such keys separated by a comma", err)
		}
		k.configured = true
	} else {
		b, err := loadOrCreate(dir, masterFile, func() ([]byte, error) {
			return encodeMaster([]*generation{randomGeneration(k.clock.Now())})
		})
		if err == nil {
			gens, err = decodeMaster(b)
		}
		if err != nil {
			return nil, wicket.E(op, wicket.Internal, "cannot read the master key", fmt.Errorf("%s: %w", filepath.Join(dir, masterFile), err))
		}
	}
	k.master.Store(&gens)

	b, err := loadOrCreate(dir, signingFile, func() ([]byte, error) {
		key, err := generateSigningKey()
		if err != nil {
			return nil, err
		}
		return encodeSigning([]*signingKey{key})
	})
	var keys []*signingKey
	if err == nil {
		keys, err = decodeSigning(b)
	}
	if err != nil {
		return nil, wicket.E(op, wicket.Internal, "cannot read the signing keys", fmt.Errorf("%s: %w", filepath.Join(dir, signingFile), err))
	}
	set, err := newSigningSet(keys)
	if err != nil {
		return nil, wicket.E(op, wicket.Internal, "cannot read the signing keys", err)
	}
	k.signing.Store(set)

	switch n := o.CacheEntries; {
	case n == 0:
		k.cache = newCache(DefaultCacheEntries)
	case n > 0:
		k.cache = newCache(n)
	}
	return k, nil
}

// makeDir creates dir with mode 0700 if it does not exist. A directory that
// exists keeps its mode: it is the operator's.
func makeDir(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		return os.Chmod(dir, 0o700) // whatever the umask said
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

// loadOrCreate reads dir/name, or creates it with the content create makes.
// If another process creates it first, the other's content wins.
func loadOrCreate(dir, name string, create func() ([]byte, error)) ([]byte, error) {
	b, ok, err := readFile(dir, name)
	if err != nil || ok {
		return b, err
	}
	if b, err = create(); err != nil {
		return nil, err
	}
	written, err := writeFile(dir, name, b, true)
	if err != nil || written {
		return b, err
	}
	b, ok, err = readFile(dir, name)
	if err == nil && !ok {
		err = errors.New("the file vanished while it was being created")
	}
	return b, err
}

// parseMasterKeys parses Options.MasterKey: the current key first.
func parseMasterKeys(s string) ([]*generation, error) {
	parts := strings.Split(s, ",")
	if len(parts) > MaxGenerations {
		return nil, fmt.Errorf("%d keys; at most %d", len(parts), MaxGenerations)
	}
	var gens []*generation
	for _, p := range slices.Backward(parts) {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(p))
		if err != nil || len(key) != masterKeyLen {
			return nil, errors.New("a key is not base64 of 32 bytes")
		}
		gens = append(gens, newGeneration([masterKeyLen]byte(key), time.Time{}))
	}
	return gens, checkGenerations(gens)
}

// MasterKeys describes the master keys, oldest first.
func (k *Keyring) MasterKeys() []KeyInfo {
	gens := *k.master.Load()
	infos := make([]KeyInfo, len(gens))
	for i, g := range gens {
		infos[i] = KeyInfo{ID: hex.EncodeToString(g.id[:]), Created: g.created, Current: i == len(gens)-1}
	}
	return infos
}

// RotateMasterKey makes a new random master key the one that seals new
// tokens. Tokens sealed under the previous key keep opening; tokens of the
// key before that (MaxGenerations keeps two) stop opening at once. Rotating
// twice within a token lifetime therefore revokes every token issued before
// the first rotation — which is what to do after the directory leaks.
//
// It fails with a Conflict when the master key comes from Options.MasterKey:
// rotate it in the configuration of every node instead.
func (k *Keyring) RotateMasterKey() error {
	const op = "keyring.RotateMasterKey"
	if k.configured {
		return wicket.E(op, wicket.Conflict, "the master key is set in the configuration; rotate it there")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	old := *k.master.Load()
	g := randomGeneration(k.clock.Now())
	for slices.ContainsFunc(old, func(o *generation) bool { return o.id == g.id }) {
		g = randomGeneration(g.created) // a 32-bit key id collided
	}
	gens := append(slices.Clone(old), g)
	dropped := len(gens) > MaxGenerations
	if dropped {
		gens = gens[len(gens)-MaxGenerations:]
	}
	if err := k.storeMaster(op, gens); err != nil {
		return err
	}
	if dropped {
		k.purgeCache()
	}
	return nil
}

// RetireMasterKeys removes the master keys created before before, except
// the current one, and reports how many it removed. Tokens they sealed stop
// opening at once. Retire a key once the longest-lived token it sealed has
// expired (MaxLifetime after the rotation at the latest) — or at once, to
// revoke those tokens.
//
// It fails with a Conflict when the master key comes from Options.MasterKey.
func (k *Keyring) RetireMasterKeys(before time.Time) (int, error) {
	const op = "keyring.RetireMasterKeys"
	if k.configured {
		return 0, wicket.E(op, wicket.Conflict, "the master key is set in the configuration; retire keys there")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	old := *k.master.Load()
	var gens []*generation
	for i, g := range old {
		if i == len(old)-1 || !g.created.Before(before) {
			gens = append(gens, g)
		}
	}
	n := len(old) - len(gens)
	if n == 0 {
		return 0, nil
	}
	if err := k.storeMaster(op, gens); err != nil {
		return 0, err
	}
	k.purgeCache()
	return n, nil
}

// storeMaster writes gens to the directory, then makes them the keys in
// use. k.mu must be held.
func (k *Keyring) storeMaster(op string, gens []*generation) error {
	b, err := encodeMaster(gens)
	if err == nil {
		_, err = writeFile(k.dir, masterFile, b, false)
	}
	if err != nil {
		return wicket.E(op, wicket.Internal, "cannot write the master key", err)
	}
	k.master.Store(&gens)
	return nil
}

// purgeCache empties the cache after a master key was removed, so that no
// token it sealed is still found there. The new keys must be stored first.
func (k *Keyring) purgeCache() {
	if k.cache != nil {
		k.cache.purge()
	}
}
