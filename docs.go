package wicket

import "context"

// DocStore keeps small documents (JSON of a few KiB at most) by collection
// and id, with transactions that span collections. It holds the state of
// the IAM and identity-pool services — users, roles, policies, pools,
// identities — whose rules (a policy still attached cannot be deleted, a
// login is linked to one identity) are checked in Go inside one
// transaction, so that every store enforces them alike.
//
// Collections and ids are non-empty byte strings; ids are ordered byte by
// byte. A document is returned as a fresh slice the caller may keep.
//
// Implementations: storage/sqlite (beside the MetaStore, in the same
// database) and storage/memory, both checked by storage/storetest.
type DocStore interface {
	// Update runs fn in one read-write transaction: its writes commit
	// together when fn returns nil, and none of them when it returns an
	// error, which Update then returns as it is. fn sees its own writes.
	// It may run on another goroutine, must use the store only through
	// tx, must not keep tx after it returns, and should be quick: other
	// writers wait for it. A panic in fn writes nothing and fails Update
	// with an Internal error. Update returns once the commit is durable.
	Update(ctx context.Context, fn func(tx DocTx) error) error
	// View runs fn over a consistent read-only snapshot.
	View(ctx context.Context, fn func(tx DocReader) error) error
}

// DocReader reads documents inside a transaction.
type DocReader interface {
	// Get returns the document, or an error of kind NotFound.
	Get(coll, id string) ([]byte, error)
	// Scan calls fn with each document of coll whose id starts with prefix
	// and is greater than after, in id order, until fn returns false.
	// fn may use the transaction, writes included: each step finds the
	// next id after the last one delivered as the transaction stands, so
	// the scan sees what fn wrote further on and never what fn deleted.
	Scan(coll, prefix, after string, fn func(id string, doc []byte) bool) error
}

// DocTx reads and writes documents inside a read-write transaction.
type DocTx interface {
	DocReader
	// Put creates or replaces a document. A nil doc is an empty one; one
	// over 1 MiB fails with TooLarge.
	Put(coll, id string, doc []byte) error
	// Delete removes a document and says whether there was one.
	Delete(coll, id string) (existed bool, err error)
}
