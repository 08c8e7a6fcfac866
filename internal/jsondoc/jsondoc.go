// Package jsondoc reads and writes the JSON documents of a wicket.DocStore
// as Go values: what the IAM and identity-pool services keep there.
package jsondoc

import (
	"encoding/json"
	"fmt"

	"github.com/wicket-io/wicket"
)

// Get reads and decodes one document. A missing one is notFound, or a
// plain NotFound error when notFound is nil.
func Get[T any](tx wicket.DocReader, coll, id string, notFound error) (*T, error) {
	doc, err := tx.Get(coll, id)
	if wicket.KindOf(err) == wicket.NotFound {
		if notFound == nil {
			notFound = wicket.E("jsondoc.Get", wicket.NotFound, fmt.Sprintf("%s/%s not found", coll, id))
		}
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(doc, v); err != nil {
		return nil, wicket.E("jsondoc.Get", wicket.Internal, fmt.Errorf("decode %s/%s: %w", coll, id, err))
	}
	return v, nil
}

// Put encodes and stores one document.
func Put(tx wicket.DocTx, coll, id string, v any) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return wicket.E("jsondoc.Put", wicket.Internal, fmt.Errorf("encode %s/%s: %w", coll, id, err))
	}
	return tx.Put(coll, id, doc)
}

// Scan decodes the documents of coll with ids greater than after, in id
// order, until fn returns false.
func Scan[T any](tx wicket.DocReader, coll, after string, fn func(*T) bool) error {
	var derr error
	err := tx.Scan(coll, "", after, func(id string, doc []byte) bool {
		v := new(T)
		if err := json.Unmarshal(doc, v); err != nil {
			derr = wicket.E("jsondoc.Scan", wicket.Internal, fmt.Errorf("decode %s/%s: %w", coll, id, err))
			return false
		}
		return fn(v)
	})
	if err != nil {
		return err
	}
	return derr
}
