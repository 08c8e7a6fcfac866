package identitypool

import (
	"context"
	"time"

	"github.com/wicket-io/wicket"
)

// Revocation goes beyond AWS: revoking an identity or a whole pool makes
// every credential, and so every presigned URL, issued for it before that
// moment fail at once. A revocation is a "not before" time per identity or
// pool, kept in the store and in memory; authenticating a request with pool
// credentials costs two map lookups. Deleting an identity or a pool
// revokes it too. Entries older than the longest a credential can live are
// dropped, since nothing they could refuse is still valid.

// maxCredentialLife bounds every temporary credential (STS's 12 hours for
// roles, with room for GetSessionToken's 36).
const maxCredentialLife = 36 * time.Hour

func (s *Service) loadRevocations(ctx context.Context) error {
	s.revLoad.Do(func() {
		m := map[string]time.Time{}
		s.revErr = s.docs.View(ctx, func(tx wicket.DocReader) error {
			return tx.Scan(collRevoked, "", "", func(id string, doc []byte) bool {
				if t, err := time.Parse(time.RFC3339Nano, string(doc)); err == nil {
					m[id] = t
				}
				return true
			})
		})
		s.revMu.Lock()
		for k, v := range s.revoked {
			if v.After(m[k]) {
				m[k] = v
			}
		}
		s.revoked = m
		s.revMu.Unlock()
	})
	return s.revErr
}

// revokeTx records a revocation, as of now, in a transaction.
func (s *Service) revokeTx(tx wicket.DocTx, key string) error {
	return tx.Put(collRevoked, key, []byte(s.now().Format(time.RFC3339Nano)))
}

// noteRevoked records a committed revocation in memory.
func (s *Service) noteRevoked(key string) {
	s.revMu.Lock()
	if s.revoked == nil {
		s.revoked = map[string]time.Time{}
	}
	s.revoked[key] = s.now()
	s.revMu.Unlock()
}

// RevokeIdentity makes every credential issued to an identity so far fail.
func (s *Service) RevokeIdentity(ctx context.Context, id string) error {
	const op = "RevokeIdentity"
	err := s.docs.Update(ctx, func(tx wicket.DocTx) error {
		if _, err := loadIdentity(tx, op, id); err != nil {
			return err
		}
		return s.revokeTx(tx, "identity/"+id)
	})
	if err == nil {
		s.noteRevoked("identity/" + id)
	}
	return err
}

// RevokePool makes every credential issued for a pool so far fail.
func (s *Service) RevokePool(ctx context.Context, id string) error {
	const op = "RevokePool"
	err := s.docs.Update(ctx, func(tx wicket.DocTx) error {
		if _, err := loadPool(tx, op, id); err != nil {
			return err
		}
		return s.revokeTx(tx, "pool/"+id)
	})
	if err == nil {
		s.noteRevoked("pool/" + id)
	}
	return err
}

// Revoked reports whether credentials with these claims were revoked: they
// were issued by a pool, and not after the last revocation of their
// identity or pool.
func (s *Service) Revoked(c *wicket.SessionClaims) bool {
	if c.Pool == "" {
		return false
	}
	if err := s.loadRevocations(context.Background()); err != nil {
		return true // fail closed
	}
	s.revMu.RLock()
	defer s.revMu.RUnlock()
	if t, ok := s.revoked["pool/"+c.Pool]; ok && !c.Issued.After(t) {
		return true
	}
	if t, ok := s.revoked["identity/"+c.Subject]; ok && !c.Issued.After(t) {
		return true
	}
	return false
}

// PruneRevocations forgets revocations older than any credential can live.
func (s *Service) PruneRevocations(ctx context.Context) error {
	cutoff := s.now().Add(-maxCredentialLife)
	var old []string
	s.revMu.RLock()
	for k, t := range s.revoked {
		if t.Before(cutoff) {
			old = append(old, k)
		}
	}
	s.revMu.RUnlock()
	if len(old) == 0 {
		return nil
	}
	err := s.docs.Update(ctx, func(tx wicket.DocTx) error {
		for _, k := range old {
			if _, err := tx.Delete(collRevoked, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.revMu.Lock()
		for _, k := range old {
			if s.revoked[k].Before(cutoff) {
				delete(s.revoked, k)
			}
		}
		s.revMu.Unlock()
	}
	return err
}

// pastRevocation waits, a second at most, until credentials issued now
// postdate the last revocation of the identity and of its pool: token
// times are whole seconds, and a revocation covers the whole second it
// falls in (failing closed), so credentials asked for right after a
// revocation would otherwise be born revoked.
func (s *Service) pastRevocation(ctx context.Context, pool, identity string) error {
	if err := s.loadRevocations(ctx); err != nil {
		return err
	}
	s.revMu.RLock()
	last := s.revoked["pool/"+pool]
	if t := s.revoked["identity/"+identity]; t.After(last) {
		last = t
	}
	s.revMu.RUnlock()
	if last.IsZero() {
		return nil
	}
	wait := last.Truncate(time.Second).Add(time.Second).Sub(s.clock.Now())
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(min(wait, time.Second))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CheckWebIdentity decides whether an OpenID token Wicket issued at issued
// for identity of pool may still become credentials (STS's
// AssumeRoleWithWebIdentity, the basic flow): the identity must still
// exist in that pool, and the token must postdate the last revocation of
// both. Otherwise a token outstanding when its identity was deleted,
// merged away or revoked (a developer token lives up to a day) would make
// credentials the revocation promised to end. Like the pool's own
// issuance it then waits past the revocation's second.
func (s *Service) CheckWebIdentity(ctx context.Context, pool, identity string, issued time.Time) error {
	const op = "CheckWebIdentity"
	// A cached copy will do: deleting an identity also revokes it.
	ident, err := s.cachedIdentity(ctx, op, identity)
	if err != nil {
		return err
	}
	if ident.Pool != pool {
		return notFound(op, "Identity '"+identity+"' not found.")
	}
	if s.Revoked(&wicket.SessionClaims{Pool: pool, Subject: identity, Issued: issued}) {
		return wicket.E(op, wicket.Expired, "the token predates a revocation of its identity or pool")
	}
	return s.pastRevocation(ctx, pool, identity)
}
