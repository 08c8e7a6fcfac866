package server

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/authn"
	"github.com/wicket-io/wicket/s3api"
	"github.com/wicket-io/wicket/storage/fs"
	"github.com/wicket-io/wicket/storage/sqlite"
)

// openEmbedded opens the embedded default stores in the data directory and
// builds the APIs on them.
func (s *Server) openEmbedded(ctx context.Context) error {
	meta, err := sqlite.Open(filepath.Join(s.cfg.DataDir, "meta.db"), sqlite.Options{})
	if err != nil {
		return fmt.Errorf("open metadata store: %w", err)
	}
	blobs, err := fs.Open(filepath.Join(s.cfg.DataDir, "blobs"), fs.Options{})
	if err != nil {
		meta.Close()
		return fmt.Errorf("open blob store: %w", err)
	}
	s.closers = append(s.closers, meta.Close)
	removed, err := sweepOrphans(ctx, meta, blobs, time.Now())
	if err != nil {
		return fmt.Errorf("sweep orphan blobs: %w", err)
	}
	if removed > 0 {
		s.log.Info("removed orphan blobs", "count", removed)
	}
	s.handlers[apiS3] = s3api.New(s3api.Options{
		Meta: meta, Blobs: blobs, Region: s.cfg.Region, Domain: s.cfg.Domain, Logger: s.log,
		Auth: authn.New(authn.Options{Root: s.cfg.Root, Region: s.cfg.Region, Service: "s3"}),
	})
	return nil
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
