package identitypool_test

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/wicket-io/wicket/identitypool"
)

func identitypoolLimits(rate float64, burst int) identitypool.Limits {
	return identitypool.Limits{GetIDRate: rate, GetIDBurst: burst}
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func identitypoolCap(n int) identitypool.Limits {
	return identitypool.Limits{MaxIdentitiesPerPool: n}
}
