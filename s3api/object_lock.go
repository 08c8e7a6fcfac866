package s3api

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wicket-io/wicket"
)

// S3 Object Lock, on Wicket's buckets of one version per key.
//
// A bucket has Object Lock when it was created with
// x-amz-bucket-object-lock-enabled: true; its ObjectLockConfiguration is
// then stored as the bucket's configObjectLock document, and its default
// retention (if any) is given to each new object that names no retention
// of its own. An object's retention and legal hold (wicket.ObjectLock) are
// kept with the object, and the store checks them in the transaction of
// every write that would replace or delete it (wicket.Precondition).
//
// The one deviation from S3: an Object Lock bucket on S3 is versioned, so
// an overwrite or a simple delete there adds a new version or a delete
// marker and leaves the locked version in place. Wicket keeps one version
// of each object, so it refuses such an overwrite or delete with
// AccessDenied ("Access Denied because object protected by object lock."),
// as S3 refuses to delete a locked version: the locked bytes stay. For the
// same reason Object Lock cannot be enabled on an existing bucket, which
// S3 allows only once versioning is enabled (InvalidBucketState).

// bucketLock is a bucket's Object Lock configuration, parsed; nil for a
// bucket without Object Lock.
type bucketLock struct {
	mode  string // the default retention's mode; "" for none
	days  int    // the default retention's period: days or years
	years int
}

// withDefault returns l with the bucket's default retention, counted from
// now (when the object is made), unless l names a retention of its own.
func (b *bucketLock) withDefault(l wicket.ObjectLock, now time.Time) wicket.ObjectLock {
	if b != nil && b.mode != "" && l.Mode == "" {
		l.Mode, l.RetainUntil = b.mode, now.AddDate(b.years, 0, b.days).UTC()
	}
	return l
}

type objectLockConfiguration struct {
	XMLName           xml.Name        `xml:"ObjectLockConfiguration"`
	Xmlns             string          `xml:"xmlns,attr,omitempty"`
	ObjectLockEnabled string          `xml:"ObjectLockEnabled,omitempty"`
	Rule              *objectLockRule `xml:"Rule,omitempty"`
	Unknown           []anyElement    `xml:",any"`
}

type objectLockRule struct {
	DefaultRetention *defaultRetention `xml:"DefaultRetention"`
	Unknown          []anyElement      `xml:",any"`
}

type defaultRetention struct {
	Mode    string       `xml:"Mode"`
	Days    *string      `xml:"Days"`
	Years   *string      `xml:"Years,omitempty"`
	Unknown []anyElement `xml:",any"`
}

type objectRetention struct {
	XMLName         xml.Name     `xml:"Retention"`
	Xmlns           string       `xml:"xmlns,attr,omitempty"`
	Mode            string       `xml:"Mode,omitempty"`
	RetainUntilDate string       `xml:"RetainUntilDate,omitempty"`
	Unknown         []anyElement `xml:",any"`
}

type objectLegalHold struct {
	XMLName xml.Name     `xml:"LegalHold"`
	Xmlns   string       `xml:"xmlns,attr,omitempty"`
	Status  string       `xml:"Status"`
	Unknown []anyElement `xml:",any"`
}

// Bounds of a default retention period. S3 refuses more than 100 years.
const (
	maxRetentionDays  = 36500
	maxRetentionYears = 100
)

// parseLockConfiguration reads an ObjectLockConfiguration: ObjectLockEnabled
// must be Enabled, and a Rule holds a DefaultRetention of a Mode and
// exactly one of Days and Years. What breaks the schema is MalformedXML;
// a period that is not a positive integer, InvalidArgument.
func parseLockConfiguration(doc []byte) (*bucketLock, error) {
	var c objectLockConfiguration
	if err := xml.Unmarshal(doc, &c); err != nil || len(c.Unknown) > 0 || c.ObjectLockEnabled != "Enabled" {
		return nil, errCode("MalformedXML")
	}
	b := &bucketLock{}
	if c.Rule == nil {
		return b, nil
	}
	r := c.Rule.DefaultRetention
	if len(c.Rule.Unknown) > 0 || r == nil || len(r.Unknown) > 0 ||
		r.Mode != wicket.Governance && r.Mode != wicket.Compliance || (r.Days == nil) == (r.Years == nil) {
		return nil, errCode("MalformedXML")
	}
	b.mode = r.Mode
	name, v, limit, n := "Days", r.Days, maxRetentionDays, &b.days
	if r.Years != nil {
		name, v, limit, n = "Years", r.Years, maxRetentionYears, &b.years
	}
	i, err := strconv.Atoi(strings.TrimSpace(*v))
	if err != nil {
		return nil, errCode("MalformedXML")
	}
	if i <= 0 {
		return nil, errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message, e.ArgumentName, e.ArgumentValue = "Default retention period must be a positive integer value.", name, *v
		})
	}
	if i > limit {
		return nil, errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message, e.ArgumentName, e.ArgumentValue = "Default retention period too large.", name, *v
		})
	}
	*n = i
	return b, nil
}

// lockConfigDoc is the document stored for b, which
// GetObjectLockConfiguration returns as it is.
func lockConfigDoc(b *bucketLock) ([]byte, error) {
	c := objectLockConfiguration{Xmlns: s3NS, ObjectLockEnabled: "Enabled"}
	if b.mode != "" {
		r := &defaultRetention{Mode: b.mode}
		if b.years > 0 {
			y := strconv.Itoa(b.years)
			r.Years = &y
		} else {
			d := strconv.Itoa(b.days)
			r.Days = &d
		}
		c.Rule = &objectLockRule{DefaultRetention: r}
	}
	return xml.Marshal(c)
}

// bucketLock returns the bucket's Object Lock configuration, nil when it
// has none.
func (h *Handler) bucketLock(q *request) (*bucketLock, error) {
	b, exists, err := h.locks.get(q.r.Context(), h, q.bucket)
	if err != nil {
		return nil, err
	}
	if !exists {
		_, err = h.meta.GetBucket(q.r.Context(), q.bucket) // the store's own NoSuchBucket
		return nil, err
	}
	return b, nil
}

// errNoBucketLock answers a request for Object Lock on a bucket without it.
// S3 words it one way for the x-amz-object-lock-* headers of a write and
// another for the retention and legal hold operations.
var (
	errNoBucketLock        = errCode("InvalidRequest", "Bucket is missing ObjectLockConfiguration")
	errNoBucketLockOnQuery = errCode("InvalidRequest", "Bucket is missing Object Lock Configuration")
)

// objectLock reads the x-amz-object-lock-* headers of a write in S3's
// order, syntax first, and returns the retention and legal hold they ask
// for. Any lock asked of a bucket without Object Lock is refused.
func objectLock(hdr http.Header, now time.Time, bucket *bucketLock) (wicket.ObjectLock, error) {
	var l wicket.ObjectLock
	invalid := func(name, value, msg string) error {
		return errCodeDetail("InvalidArgument", func(e *errorBody) {
			e.Message, e.ArgumentName, e.ArgumentValue = msg, name, value
		})
	}
	hold := hdr.Get("X-Amz-Object-Lock-Legal-Hold")
	if hold != "" && hold != wicket.HoldOn && hold != wicket.HoldOff {
		return l, invalid("x-amz-object-lock-legal-hold", hold, "Legal Hold must be either of 'ON' or 'OFF'")
	}
	mode, until := hdr.Get("X-Amz-Object-Lock-Mode"), hdr.Get("X-Amz-Object-Lock-Retain-Until-Date")
	const both = "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied."
	switch {
	case mode != "" && until == "":
		return l, invalid("x-amz-object-lock-retain-until-date", "", both)
	case mode == "" && until != "":
		return l, invalid("x-amz-object-lock-mode", "", both)
	}
	if until != "" {
		t, err := time.Parse(time.RFC3339, until)
		if err != nil {
			return l, invalid("x-amz-object-lock-retain-until-date", until, "The retain until date must be provided in ISO 8601 format")
		}
		if !t.After(now) {
			return l, invalid("x-amz-object-lock-retain-until-date", until, "The retain until date must be in the future!")
		}
		if mode != wicket.Governance && mode != wicket.Compliance {
			return l, invalid("x-amz-object-lock-mode", mode, "Unknown wormMode directive.")
		}
		l.Mode, l.RetainUntil = mode, t.UTC()
	}
	if bucket == nil && (hold != "" || mode != "") {
		return l, errNoBucketLock
	}
	l.LegalHold = hold
	return l, nil
}

// lockIntegrity refuses a PUT that locks its object without a digest of
// its body: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is
// required for any request to upload an object with a retention period
// configured using Amazon S3 Object Lock" (API_PutObject).
func lockIntegrity(hdr http.Header, l wicket.ObjectLock) error {
	if l == (wicket.ObjectLock{}) {
		return nil
	}
	if needIntegrity(hdr) != nil {
		return errCode("InvalidRequest", "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters")
	}
	return nil
}

// writeLock reads the lock a PUT or a copy gives its object, with the
// bucket's default retention, and the Object Lock part of the write's
// precondition.
func (h *Handler) writeLock(q *request, cond *wicket.Precondition) (wicket.ObjectLock, error) {
	b, err := h.bucketLock(q)
	if err != nil {
		return wicket.ObjectLock{}, err
	}
	now := h.clock.Now()
	l, err := objectLock(q.r.Header, now, b)
	if err != nil {
		return l, err
	}
	lc, err := h.lockCondition(q, q.key)
	if err != nil {
		return l, err
	}
	cond.Now, cond.BypassGovernance = lc.Now, lc.BypassGovernance
	return b.withDefault(l, now), nil
}

// lockCondition is the Object Lock part of a write's or a delete's
// precondition: now, and whether the request bypasses GOVERNANCE retention,
// which takes the x-amz-bypass-governance-retention header and the
// s3:BypassGovernanceRetention permission on the object. Without the
// permission the header is no bypass, so a GOVERNANCE lock holds.
func (h *Handler) lockCondition(q *request, key string) (wicket.Precondition, error) {
	c := wicket.Precondition{Now: h.clock.Now()}
	if !strings.EqualFold(q.r.Header.Get("X-Amz-Bypass-Governance-Retention"), "true") {
		return c, nil
	}
	err := h.authorize(q, "s3:BypassGovernanceRetention", objectARN(q.bucket, key))
	if err != nil && !isAccessDenied(err) {
		return c, err
	}
	c.BypassGovernance = err == nil
	return c, nil
}

// refusal is the error for a write or a delete of key the store refused:
// a failed If-Match or If-None-Match names its header, as S3's Condition
// element does; when a lock protects the object and the caller asked to
// bypass GOVERNANCE retention without s3:BypassGovernanceRetention, S3
// names the permission it lacks rather than the lock. Other errors pass
// unchanged.
func (h *Handler) refusal(q *request, key string, err error) error {
	switch {
	case wicket.CodeOf(err) == "PreconditionFailed":
		if q.r.Header.Get("If-None-Match") != "" {
			return conditionFailed("If-None-Match")
		}
		return conditionFailed("If-Match")
	case wicket.KindOf(err) == wicket.AccessDenied &&
		strings.EqualFold(q.r.Header.Get("X-Amz-Bypass-Governance-Retention"), "true"):
		if denied := h.authorize(q, "s3:BypassGovernanceRetention", objectARN(q.bucket, key)); isAccessDenied(denied) {
			return denied
		}
	}
	return err
}

func isAccessDenied(err error) bool {
	ae, ok := err.(*apiError)
	return ok && ae.code == "AccessDenied"
}

func (h *Handler) getObjectLockConfiguration(q *request) error {
	return h.writeConfig(q, configObjectLock, "ObjectLockConfigurationNotFoundError")
}

// putObjectLockConfiguration sets a lock bucket's default retention (a
// configuration without a Rule removes it). A bucket created without
// Object Lock cannot have it: S3 enables it on an existing bucket only
// once versioning is, which Wicket does not have.
func (h *Handler) putObjectLockConfiguration(q *request) error {
	body, err := h.configBody(q)
	if err != nil {
		return err
	}
	b, err := parseLockConfiguration(body)
	if err != nil {
		return err
	}
	cur, err := h.bucketLock(q)
	if err != nil {
		return err
	}
	if cur == nil {
		return errCode("InvalidBucketState", "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
	}
	doc, err := lockConfigDoc(b)
	if err != nil {
		return err
	}
	err = h.meta.PutBucketConfig(q.r.Context(), q.bucket, configObjectLock, doc)
	h.locks.forget(q.bucket)
	if err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// lockedObject reads the object of a retention or legal hold request, on a
// bucket that has Object Lock.
func (h *Handler) lockedObject(q *request) (*wicket.Object, error) {
	if err := checkVersionID(q); err != nil {
		return nil, err
	}
	b, err := h.bucketLock(q)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, errNoBucketLockOnQuery
	}
	return h.requestObject(q)
}

func (h *Handler) getObjectRetention(q *request) error {
	o, err := h.lockedObject(q)
	if err != nil {
		return err
	}
	if o.Lock.Mode == "" {
		return errCode("NoSuchObjectLockConfiguration")
	}
	writeXML(q.w, http.StatusOK, objectRetention{Xmlns: s3NS, Mode: o.Lock.Mode, RetainUntilDate: s3TimeMillis(o.Lock.RetainUntil)})
	return nil
}

func (h *Handler) getObjectLegalHold(q *request) error {
	o, err := h.lockedObject(q)
	if err != nil {
		return err
	}
	if o.Lock.LegalHold == "" {
		return errCode("NoSuchObjectLockConfiguration")
	}
	writeXML(q.w, http.StatusOK, objectLegalHold{Xmlns: s3NS, Status: o.Lock.LegalHold})
	return nil
}

// putObjectRetention sets, extends, shortens or (with an empty Retention)
// removes an object's retention; the store refuses what would weaken a
// retention in force (wicket.ObjectLock.AllowsRetention).
// lockChangeBody checks a retention or legal-hold change's object and
// integrity header and reads its body.
func (h *Handler) lockChangeBody(q *request) ([]byte, error) {
	if _, err := h.lockedObject(q); err != nil {
		return nil, err
	}
	if err := needIntegrity(q.r.Header); err != nil {
		return nil, err
	}
	return h.readBody(q, maxXMLBody, errCode("MalformedXML"))
}

func (h *Handler) putObjectRetention(q *request) error {
	body, err := h.lockChangeBody(q)
	if err != nil {
		return err
	}
	var r objectRetention
	if err := xml.Unmarshal(body, &r); err != nil || len(r.Unknown) > 0 {
		return errCode("MalformedXML")
	}
	cond, err := h.lockCondition(q, q.key)
	if err != nil {
		return err
	}
	var until time.Time
	switch {
	case r.Mode == "" && r.RetainUntilDate == "":
	case r.Mode != wicket.Governance && r.Mode != wicket.Compliance || r.RetainUntilDate == "":
		return errCode("MalformedXML")
	default:
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(r.RetainUntilDate))
		if err != nil {
			return errCode("MalformedXML")
		}
		if !t.After(cond.Now) {
			return errCode("InvalidArgument", "The retain until date must be in the future!")
		}
		until = t.UTC()
	}
	if err := h.meta.SetObjectRetention(q.r.Context(), q.bucket, q.key, r.Mode, until, cond); err != nil {
		return h.refusal(q, q.key, err)
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) putObjectLegalHold(q *request) error {
	body, err := h.lockChangeBody(q)
	if err != nil {
		return err
	}
	var lh objectLegalHold
	if err := xml.Unmarshal(body, &lh); err != nil || len(lh.Unknown) > 0 ||
		lh.Status != wicket.HoldOn && lh.Status != wicket.HoldOff {
		return errCode("MalformedXML")
	}
	if err := h.meta.SetObjectLegalHold(q.r.Context(), q.bucket, q.key, lh.Status); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// setLockHeaders sets the x-amz-object-lock-* headers of GET and HEAD,
// each only for a caller who may read it, as S3 documents: the retention
// with s3:GetObjectRetention, the legal hold with s3:GetObjectLegalHold.
func (h *Handler) setLockHeaders(q *request, o *wicket.Object) {
	l, hdr := o.Lock, q.w.Header()
	if l.Mode != "" && h.authorize(q, "s3:GetObjectRetention", objectARN(o.Bucket, o.Key)) == nil {
		hdr.Set("x-amz-object-lock-mode", l.Mode)
		hdr.Set("x-amz-object-lock-retain-until-date", s3TimeMillis(l.RetainUntil))
	}
	if l.LegalHold != "" && h.authorize(q, "s3:GetObjectLegalHold", objectARN(o.Bucket, o.Key)) == nil {
		hdr.Set("x-amz-object-lock-legal-hold", l.LegalHold)
	}
}
