package server

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/iam"
	"github.com/wicket-io/wicket/identitypool"
	"github.com/wicket-io/wicket/oidc"
	"github.com/wicket-io/wicket/s3api"
	"github.com/wicket-io/wicket/storage/fs"
	"github.com/wicket-io/wicket/storage/sqlite"
	"github.com/wicket-io/wicket/sts"
	"github.com/wicket-io/wicket/sts/keyring"
)

// openEmbedded opens the embedded default stores in the data directory and
// builds the APIs on them.
func (s *Server) openEmbedded(ctx context.Context) error {
	lock, err := lockDataDir(s.cfg.DataDir)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, lock.Close)
	meta, err := sqlite.Open(filepath.Join(s.cfg.DataDir, "meta.db"), sqlite.Options{})
	if err != nil {
		return fmt.Errorf("open metadata store: %w", err)
	}
	blobs, err := fs.Open(filepath.Join(s.cfg.DataDir, "blobs"), fs.Options{})
	if err != nil {
		meta.Close()
		return fmt.Errorf("open blob store: %w", err)
	}
	s.closers = append(s.closers, meta.Close, blobs.Close)
	removed, err := sweepOrphans(ctx, meta, blobs, time.Now())
	if err != nil {
		return fmt.Errorf("sweep orphan blobs: %w", err)
	}
	if removed > 0 {
		s.log.Info("removed orphan blobs", "count", removed)
	}
	keys, err := keyring.Open(filepath.Join(s.cfg.DataDir, "keys"), keyring.Options{MasterKey: s.cfg.MasterKey})
	if err != nil {
		return fmt.Errorf("open keyring: %w", err)
	}
	s.keys = keys
	users := iam.New(iam.Options{Docs: meta, Logger: s.log})
	// Identity pools and STS verify the same providers' tokens with
	// different clock skew past exp: Cognito Identity keeps oidc's default
	// minute (it has been seen refusing a token 146 seconds past exp), STS
	// allows the five minutes IAM documents. Both share one cache of each
	// provider's keys.
	logins := oidc.NewVerifier(oidc.Options{AllowHTTP: s.cfg.AllowHTTPIssuers, HTTPClient: s.cfg.LoginClient})
	webIdentities := logins.WithSkew(sts.WebIdentitySkew)
	pools := identitypool.New(identitypool.Options{
		Docs: meta, IAM: users, Keyring: keys, Logins: logins, Logger: s.log,
		Region: s.cfg.Region, Account: authn.Account, Issuer: s.cfg.Issuer, Limits: s.cfg.GuestLimits,
	})
	users.SetScopeDown(identitypool.ScopeDownName, pools.ScopeDown())
	s.pools = pools
	if s.cfg.PruneGuestsAfter > 0 {
		s.startPruning(pools)
	}
	// auth builds the authenticator of one API; IAM and STS are global
	// services, which clients sign for us-east-1 whatever region they are
	// configured with, so any region is accepted there.
	auth := func(service, region string) *authn.Authenticator {
		return authn.New(authn.Options{Root: s.cfg.Root, Keys: users, Sessions: keys, Revoked: pools.Revoked,
			Region: region, Service: service})
	}
	set := func(a api, h http.Handler) {
		if isPlaceholder(a, s.cfg.Handlers) {
			s.handlers[a] = h
		}
	}
	set(apiS3, s3api.New(s3api.Options{
		Meta: meta, Blobs: blobs, Region: s.cfg.Region, Domain: s.cfg.Domain, Logger: s.log,
		Auth: auth("s3", s.cfg.Region), Authorizer: users,
	}))
	set(apiIAM, iam.NewHandler(iam.HandlerOptions{Service: users, Logger: s.log, Auth: auth("iam", "")}))
	set(apiSTS, sts.New(sts.Options{IAM: users, Keyring: keys, Logins: webIdentities, Pools: pools,
		Auth: auth("sts", ""), Issuer: s.cfg.Issuer, Logger: s.log}))
	set(apiIdentityPool, identitypool.NewHandler(identitypool.HandlerOptions{Service: pools, Authorizer: users,
		Auth: auth("cognito-identity", s.cfg.Region), Logger: s.log}))
	return nil
}

// isPlaceholder reports whether the API a is served by the server's
// placeholder, not a handler the Config gave.
func isPlaceholder(a api, h Handlers) bool {
	switch a {
	case apiS3:
		return h.S3 == nil
	case apiSTS:
		return h.STS == nil
	case apiIAM:
		return h.IAM == nil
	case apiIdentityPool:
		return h.IdentityPool == nil
	}
	return false
}

// sweepOrphans deletes the blobs no metadata points at, and temporary files
// of writes that a crash interrupted. It runs at start-up, before any
// request, so no write is in flight: every blob not referenced now is an
// orphan.
func sweepOrphans(ctx context.Context, meta wicket.MetaStore, blobs wicket.BlobStore, now time.Time) (int, error) {
	live := make(map[string]struct{})
	if err := meta.Blobs(ctx, func(id string) error {
		live[id] = struct{}{}
		return nil
	}); err != nil {
		return 0, err
	}
	var orphans []string
	if err := blobs.Walk(ctx, now, func(id string) error {
		if _, ok := live[id]; !ok {
			orphans = append(orphans, id)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	for _, id := range orphans {
		if err := blobs.Delete(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(orphans), nil
}

// startPruning deletes guest identities unused for PruneGuestsAfter, and
// forgets revocations nothing can be refused by any more, once an hour
// until Close.
func (s *Server) startPruning(pools *identitypool.Service) {
	stop := make(chan struct{})
	done := make(chan struct{})
	s.closers = append(s.closers, func() error { close(stop); <-done; return nil })
	go func() {
		defer close(done)
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			n, err := pools.PruneGuests(context.Background(), s.cfg.PruneGuestsAfter)
			if err != nil {
				s.log.Error("prune guest identities", "err", err)
			} else if n > 0 {
				s.log.Info("pruned unused guest identities", "count", n)
			}
			if err := pools.PruneRevocations(context.Background()); err != nil {
				s.log.Error("prune revocations", "err", err)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
}
