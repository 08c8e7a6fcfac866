package memory

import (
	"testing"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/storage/storetest"
)

func TestMetaStore(t *testing.T) {
	storetest.RunMetaStore(t, func(t *testing.T) wicket.MetaStore { return New() })
}

func TestBlobStore(t *testing.T) {
	storetest.RunBlobStore(t, func(t *testing.T) wicket.BlobStore { return NewBlobStore() })
}

func TestDocStore(t *testing.T) {
	storetest.RunDocStore(t, func(t *testing.T) wicket.DocStore { return NewDocStore() })
}
