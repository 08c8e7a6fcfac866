package wicket

// PrincipalType says what kind of caller a request comes from.
type PrincipalType uint8

const (
	Anonymous PrincipalType = iota // no signature: evaluated as "*" against resource policies only
	Root                           // the endpoint's root key pair: may do everything
	User                           // an IAM user's access key
	Session                        // temporary credentials (assumed role, identity pool)
)

func (t PrincipalType) String() string {
	switch t {
	case Root:
		return "root"
	case User:
		return "user"
	case Session:
		return "session"
	}
	return "anonymous"
}

// Principal is who made a request, as authentication established it.
type Principal struct {
	Type        PrincipalType
	ARN         string // e.g. arn:aws:iam::000000000000:root; "*" when anonymous
	AccessKeyID string
}

// RootCredentials are the endpoint's root access key pair.
type RootCredentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}
