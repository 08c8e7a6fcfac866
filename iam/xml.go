package iam

import (
	"net/url"
	"strings"
	"time"
)

// The XML shapes of IAM's responses. Policy documents go out URL-encoded,
// as IAM sends them (the AWS CLI decodes them; SDK users call
// url.QueryUnescape).

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// encodeDoc percent-encodes a policy document as IAM does (RFC 3986: a
// space is %20, never +).
func encodeDoc(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

type xmlTag struct {
	Key   string
	Value string
}

func xmlTags(tags []Tag) []xmlTag {
	out := make([]xmlTag, len(tags))
	for i, t := range tags {
		out[i] = xmlTag(t)
	}
	return out
}

// xmlTagList is the Tags element of a user, role, managed policy or OIDC
// provider. IAM leaves it out of an untagged one, and of listings; a nil
// list is left out, where a "Tags>member,omitempty" field would still be
// written as an empty <Tags></Tags> by encoding/xml.
type xmlTagList struct {
	Member []xmlTag `xml:"member"`
}

func tagList(tags []Tag) *xmlTagList {
	if len(tags) == 0 {
		return nil
	}
	return &xmlTagList{xmlTags(tags)}
}

// xmlUser is a User element; root's has no Path or UserName.
type xmlUser struct {
	Path       string `xml:",omitempty"`
	UserName   string `xml:",omitempty"`
	UserId     string
	Arn        string
	CreateDate string
	Tags       *xmlTagList `xml:",omitempty"`
}

func toXMLUser(u *User) xmlUser {
	return xmlUser{u.Path, u.Name, u.ID, u.ARN, isoTime(u.Created), tagList(u.Tags)}
}

type xmlGroup struct {
	Path       string
	GroupName  string
	GroupId    string
	Arn        string
	CreateDate string
}

func toXMLGroup(g *Group) xmlGroup {
	return xmlGroup{g.Path, g.Name, g.ID, g.ARN, isoTime(g.Created)}
}

type xmlRole struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               string
	AssumeRolePolicyDocument string
	Description              string `xml:",omitempty"`
	MaxSessionDuration       int
	Tags                     *xmlTagList `xml:",omitempty"`
}

func toXMLRole(r *Role) xmlRole {
	return xmlRole{r.Path, r.Name, r.ID, r.ARN, isoTime(r.Created), encodeDoc(r.Trust), r.Description, r.MaxSessionDuration, tagList(r.Tags)}
}

type xmlPolicy struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    string
	UpdateDate                    string
	Tags                          *xmlTagList `xml:",omitempty"`
}

func toXMLPolicy(p *ManagedPolicy) xmlPolicy {
	return xmlPolicy{p.Name, p.ID, p.ARN, p.Path, p.DefaultVersion, p.Attachments, 0, true, p.Description, isoTime(p.Created), isoTime(p.Updated), tagList(p.Tags)}
}

// listedPolicy is a managed policy as ListPolicies shows it: without tags,
// as IAM does ("ListPolicies does not return tags").
func listedPolicy(p *ManagedPolicy) xmlPolicy {
	x := toXMLPolicy(p)
	x.Tags = nil
	return x
}

type xmlPolicyVersion struct {
	Document         string `xml:",omitempty"`
	VersionId        string
	IsDefaultVersion bool
	CreateDate       string
}

// xmlAccessKey is an access key's metadata; a root key's has no UserName.
type xmlAccessKey struct {
	UserName        string `xml:",omitempty"`
	AccessKeyId     string
	Status          string
	SecretAccessKey string `xml:",omitempty"`
	CreateDate      string
}

func toXMLKey(k *AccessKey) xmlAccessKey {
	return xmlAccessKey{k.User, k.ID, k.Status, k.Secret, isoTime(k.Created)}
}

type xmlAttached struct {
	PolicyName string
	PolicyArn  string
}

// members is a list element written even with no members
// (<PolicyUsers/>), as IAM writes the lists of its responses.
type members[T any] struct {
	Member []T `xml:"member"`
}

// empty is a list of things Wicket never has (<MFADevices/>).
type empty = members[struct{}]

type xmlPage struct {
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

type xmlEvalResult struct {
	EvalActionName    string
	EvalResourceName  string
	EvalDecision      string
	MatchedStatements []xmlStatement `xml:"MatchedStatements>member"`
	MissingContext    []string       `xml:"MissingContextValues>member"`
}

type xmlStatement struct {
	SourcePolicyId   string
	SourcePolicyType string
	StartPosition    xmlPosition
	EndPosition      xmlPosition
}

type xmlPosition struct{ Line, Column int }
