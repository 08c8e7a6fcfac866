package identitypool

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/internal/jsondoc"
)

var identityIDRE = regexp.MustCompile(`^[\w-]+:[0-9a-f-]+$`)

func checkIdentityID(op, id string) error {
	if id == "" || len(id) > 55 || !identityIDRE.MatchString(id) {
		return invalidParameter(op, fmt.Sprintf("1 validation error detected: Value '%s' at 'identityId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+", id))
	}
	return nil
}

func loadIdentity(tx wicket.DocReader, op, id string) (*Identity, error) {
	if err := checkIdentityID(op, id); err != nil {
		return nil, err
	}
	return jsondoc.Get[Identity](tx, collIdentities, id, notFound(op, fmt.Sprintf("Identity '%s' not found.", id)))
}

// newIdentity stores a new identity of pool p with logins, counting it
// against the pool's cap.
func (s *Service) newIdentity(tx wicket.DocTx, op string, p *Pool, logins []login) (*Identity, error) {
	if err := s.reserve(tx, op, p.ID); err != nil {
		return nil, err
	}
	now := s.now()
	id := &Identity{ID: s.region + ":" + newTimeUUID(now), Pool: p.ID, Created: now, Modified: now, LastUsed: now}
	for _, l := range logins {
		id.add(l)
		if err := tx.Put(collLogins, loginKey(p.ID, l.provider, l.subject), []byte(id.ID)); err != nil {
			return nil, err
		}
	}
	if err := jsondoc.Put(tx, collIdentities, id.ID, id); err != nil {
		return nil, err
	}
	return id, nil
}

// linked finds the identity a login is linked to, or "".
func linked(tx wicket.DocReader, pool string, l login) (string, error) {
	doc, err := tx.Get(collLogins, loginKey(pool, l.provider, l.subject))
	switch {
	case err == nil:
		return string(doc), nil
	case wicket.KindOf(err) == wicket.NotFound:
		return "", nil
	}
	return "", err
}

// vouchedFor splits verified logins into the identity that Wicket's own
// token among them is for ("" without one) and the logins of the other
// providers, the ones that link to an identity.
func vouchedFor(logins []login) (id string, external []login) {
	for _, l := range logins {
		if l.provider == CognitoProvider {
			id = l.subject
		} else {
			external = append(external, l)
		}
	}
	return id, external
}

// link links logins to the identity id, or, when id is empty, finds the
// identity they are linked to or creates one. A login linked to another
// identity is a conflict.
func (s *Service) link(tx wicket.DocTx, op string, p *Pool, id string, logins []login) (*Identity, error) {
	owner := id
	linkedHere := map[string]bool{} // by loginKey
	for _, l := range logins {
		other, err := linked(tx, p.ID, l)
		if err != nil {
			return nil, err
		}
		switch {
		case other == "":
		case owner == "":
			owner = other
		case other != owner:
			return nil, conflict(op, "The login is already linked to another identity.")
		}
		linkedHere[loginKey(p.ID, l.provider, l.subject)] = other != ""
	}
	if owner == "" {
		return s.newIdentity(tx, op, p, logins)
	}
	ident, err := loadIdentity(tx, op, owner)
	if err != nil {
		return nil, err
	}
	if ident.Pool != p.ID {
		return nil, notFound(op, fmt.Sprintf("Identity '%s' not found.", owner))
	}
	changed := false
	for _, l := range logins {
		if ident.has(l) {
			continue
		}
		// One login per provider: a second account of the same provider
		// cannot join this identity. (Developer users join one by
		// MergeDeveloperIdentities; a source user that a version before
		// merged without listing it is linked here already, and is taken
		// in.)
		if len(ident.Logins[l.provider]) > 0 && !linkedHere[loginKey(p.ID, l.provider, l.subject)] {
			return nil, conflict(op, fmt.Sprintf("The identity already has a login of %s.", l.provider))
		}
		ident.add(l)
		if err := tx.Put(collLogins, loginKey(p.ID, l.provider, l.subject), []byte(ident.ID)); err != nil {
			return nil, err
		}
		changed = true
	}
	if changed {
		ident.Modified = s.now()
		if err := jsondoc.Put(tx, collIdentities, ident.ID, ident); err != nil {
			return nil, err
		}
	}
	return ident, nil
}

// GetID returns the identity id for a pool and a set of logins: the
// identity the logins are linked to, else a new one. Without logins it
// makes a new guest identity, if the pool allows guests. sourceIP is the
// caller's address, for the rate limit.
func (s *Service) GetID(ctx context.Context, poolID string, logins map[string]string, sourceIP string) (string, error) {
	const op = "GetId"
	if err := checkPoolID(op, poolID); err != nil {
		return "", err
	}
	if !s.limiter.allow(sourceIP, s.clock.Now()) {
		return "", tooMany(op, "Rate exceeded")
	}
	p, err := s.cachedPool(ctx, op, poolID)
	if err != nil {
		return "", err
	}
	if len(logins) == 0 && !p.AllowUnauthenticatedIdentities {
		return "", notAuthorized(op, "Unauthenticated access is not supported for this identity pool.")
	}
	verified, err := s.verifyLogins(ctx, op, p, logins)
	if err != nil {
		return "", err
	}
	// The identity pool clients (fromCognitoIdentityPool and the mobile
	// SDKs) call GetId with a developer identity's token too: the answer
	// is the identity the token is for, and the token links nothing.
	owner, external := vouchedFor(verified)
	if owner != "" && len(external) == 0 {
		ident, err := s.cachedIdentity(ctx, op, owner)
		if err != nil {
			return "", err
		}
		if ident.Pool != p.ID {
			return "", notFound(op, fmt.Sprintf("Identity '%s' not found.", owner))
		}
		return ident.ID, nil
	}
	var id string
	var made *Identity
	reserved := false
	err = s.docs.Update(ctx, func(tx wicket.DocTx) error {
		made = nil
		// A guest's identity is made on the strength of the pool as read
		// (cached) above; a pool deleted meanwhile leaves at worst an
		// identity nothing can use, which pruning removes. (Reading the
		// pool again here would cost the writer, which every GetId goes
		// through, a read per guest.) Logins re-check it: they link.
		if len(verified) > 0 {
			if _, err := tx.Get(collPools, poolID); err != nil {
				if wicket.KindOf(err) == wicket.NotFound {
					return poolNotFound(op, poolID)
				}
				return err
			}
		}
		var ident *Identity
		if len(verified) == 0 {
			ident, err = s.newIdentity(tx, op, p, nil)
			made = ident
			reserved = err == nil && s.limits.MaxIdentitiesPerPool > 0
		} else {
			ident, err = s.link(tx, op, p, owner, external)
		}
		if err != nil {
			return err
		}
		id = ident.ID
		return nil
	})
	if err != nil && reserved {
		s.uncount(poolID, 1) // the transaction that counted it did not commit
	}
	switch {
	case err == nil && made != nil:
		// The guest flow asks for credentials next: have it ready.
		s.identityCache.set(made.ID, made, s.clock.Now())
	case id != "":
		// Logins may have joined an identity that is cached without them.
		s.identityCache.drop(id)
	}
	return id, err
}

// IdentityInfo describes an identity as DescribeIdentity shows it.
type IdentityInfo struct {
	ID       string
	Pool     string
	Logins   []string // provider names
	Created  time.Time
	Modified time.Time
}

func infoOf(i *Identity) IdentityInfo {
	return IdentityInfo{ID: i.ID, Pool: i.Pool, Logins: slices.Sorted(maps.Keys(i.Logins)), Created: i.Created, Modified: i.Modified}
}

// DescribeIdentity returns an identity.
func (s *Service) DescribeIdentity(ctx context.Context, id string) (*IdentityInfo, error) {
	var out IdentityInfo
	err := s.docs.View(ctx, func(tx wicket.DocReader) error {
		i, err := loadIdentity(tx, "DescribeIdentity", id)
		if err == nil {
			out = infoOf(i)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListIdentities returns up to max identities of a pool after the
// identity id after, and the next token when there are more.
func (s *Service) ListIdentities(ctx context.Context, poolID string, max int, after string) ([]IdentityInfo, string, error) {
	const op = "ListIdentities"
	if max < 1 || max > 60 {
		return nil, "", invalidParameter(op, fmt.Sprintf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60", max))
	}
	var out []IdentityInfo
	more := false
	err := s.docs.View(ctx, func(tx wicket.DocReader) error {
		if _, err := loadPool(tx, op, poolID); err != nil {
			return err
		}
		return poolIdentities(tx, poolID, after, func(i *Identity) bool {
			if len(out) == max {
				more = true
				return false
			}
			out = append(out, infoOf(i))
			return true
		})
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if more {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// poolIdentities calls fn with the identities of pool whose ids are
// greater than after, in id order, until fn returns false.
func poolIdentities(tx wicket.DocReader, pool, after string, fn func(*Identity) bool) error {
	return jsondoc.Scan(tx, collIdentities, after, func(i *Identity) bool {
		return i.Pool != pool || fn(i)
	})
}

// deleteIdentityTx deletes an identity, its links and its index entry.
func deleteIdentityTx(tx wicket.DocTx, id string) error {
	ident, err := loadIdentity(tx, "DeleteIdentities", id)
	if err != nil {
		return err
	}
	for provider, subjects := range ident.Logins {
		for _, subject := range subjects {
			if _, err := tx.Delete(collLogins, loginKey(ident.Pool, provider, subject)); err != nil {
				return err
			}
		}
	}
	_, err = tx.Delete(collIdentities, id)
	return err
}

// DeleteIdentities deletes identities and revokes their credentials. The
// ids it could not delete come back with a reason, as AWS reports them.
func (s *Service) DeleteIdentities(ctx context.Context, ids []string) (unprocessed map[string]string, err error) {
	const op = "DeleteIdentities"
	if len(ids) == 0 || len(ids) > 60 {
		return nil, invalidParameter(op, "1 validation error detected: Value at 'identityIdsToDelete' failed to satisfy constraint: Member must have length between 1 and 60")
	}
	unprocessed = map[string]string{}
	for _, id := range ids {
		if err := checkIdentityID(op, id); err != nil {
			return nil, err
		}
		var pool string
		err := s.docs.Update(ctx, func(tx wicket.DocTx) error {
			ident, err := loadIdentity(tx, op, id)
			if err != nil {
				return err
			}
			if err := deleteIdentityTx(tx, id); err != nil {
				return err
			}
			pool = ident.Pool
			return s.revokeTx(tx, "identity/"+id)
		})
		s.identityCache.drop(id)
		switch {
		case err == nil:
			s.uncount(pool, 1)
			s.noteRevoked("identity/" + id)
		case wicket.KindOf(err) == wicket.NotFound:
			// Deleting what is not there succeeds, as on AWS.
		default:
			unprocessed[id] = "InternalServerError"
		}
	}
	return unprocessed, nil
}

// UnlinkIdentity removes logins from an identity; the caller proves it
// holds the identity with valid logins of it.
func (s *Service) UnlinkIdentity(ctx context.Context, id string, logins map[string]string, remove []string) error {
	defer s.identityCache.drop(id)
	const op = "UnlinkIdentity"
	ident, p, err := s.identityAndPool(ctx, op, id)
	if err != nil {
		return err
	}
	verified, err := s.verifyLogins(ctx, op, p, logins)
	if err != nil {
		return err
	}
	if err := checkOwned(op, ident, verified); err != nil {
		return err
	}
	return s.docs.Update(ctx, func(tx wicket.DocTx) error {
		ident, err := loadIdentity(tx, op, id)
		if err != nil {
			return err
		}
		for _, provider := range remove {
			for _, subject := range ident.Logins[provider] {
				if _, err := tx.Delete(collLogins, loginKey(ident.Pool, provider, subject)); err != nil {
					return err
				}
			}
			delete(ident.Logins, provider)
		}
		ident.Modified = s.now()
		return jsondoc.Put(tx, collIdentities, ident.ID, ident)
	})
}

// checkOwned requires every verified login to be the identity's own.
func checkOwned(op string, ident *Identity, logins []login) error {
	if len(logins) == 0 {
		return notAuthorized(op, "Logins don't match. Please include at least one valid login for this identity or identity pool.")
	}
	for _, l := range logins {
		if !ident.has(l) {
			return notAuthorized(op, "Logins don't match. Please include at least one valid login for this identity or identity pool.")
		}
	}
	return nil
}

// identityAndPool returns an identity and its pool, from the caches when
// they can: shared values, not to be modified.
func (s *Service) identityAndPool(ctx context.Context, op, id string) (*Identity, *Pool, error) {
	ident, err := s.cachedIdentity(ctx, op, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.cachedPool(ctx, op, ident.Pool)
	if wicket.KindOf(err) == wicket.NotFound {
		// A pool deleted under a cached identity: the identity is gone too.
		s.identityCache.drop(id)
		return nil, nil, notFound(op, fmt.Sprintf("Identity '%s' not found.", id))
	}
	return ident, p, err
}

// PruneGuests deletes guest identities (no logins) unused for longer than
// idle, and revokes them; it returns how many went.
func (s *Service) PruneGuests(ctx context.Context, idle time.Duration) (int, error) {
	cutoff := s.now().Add(-idle)
	var stale []string
	err := s.docs.View(ctx, func(tx wicket.DocReader) error {
		return jsondoc.Scan(tx, collIdentities, "", func(i *Identity) bool {
			if len(i.Logins) == 0 && i.LastUsed.Before(cutoff) {
				stale = append(stale, i.ID)
			}
			return true
		})
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for start := 0; start < len(stale); start += 60 {
		batch := stale[start:min(start+60, len(stale))]
		un, err := s.DeleteIdentities(ctx, batch)
		if err != nil {
			return n, err
		}
		n += len(batch) - len(un)
	}
	return n, nil
}
