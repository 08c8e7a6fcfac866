package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"

	"github.com/wicket-io/wicket"
	"github.com/wicket-io/wicket/sigv4"
)

// s3Error is one row of S3's error table.
type s3Error struct {
	status  int
	message string
}

// errorTable holds S3's error codes: the HTTP status and the default message
// AWS sends with each. It is the one place that knows them.
var errorTable = map[string]s3Error{
	"AccessControlListNotSupported":        {400, "The bucket does not allow ACLs"},
	"AccessDenied":                         {403, "Access Denied"},
	"AuthorizationHeaderMalformed":         {400, "The authorization header is malformed."},
	"AuthorizationQueryParametersError":    {400, "Error parsing the X-Amz-Credential parameter."},
	"BadDigest":                            {400, "The Content-MD5 you specified did not match what we received."},
	"BucketAlreadyExists":                  {409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."},
	"BucketAlreadyOwnedByYou":              {409, "Your previous request to create the named bucket succeeded and you already own it."},
	"BucketNotEmpty":                       {409, "The bucket you tried to delete is not empty"},
	"EntityTooLarge":                       {400, "Your proposed upload exceeds the maximum allowed size"},
	"EntityTooSmall":                       {400, "Your proposed upload is smaller than the minimum allowed size"},
	"ExpiredToken":                         {400, "The provided token has expired."},
	"IllegalLocationConstraintException":   {400, "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."},
	"IncompleteBody":                       {400, "You did not provide the number of bytes specified by the Content-Length HTTP header."},
	"InternalError":                        {500, "We encountered an internal error. Please try again."},
	"InvalidAccessKeyId":                   {403, "The AWS Access Key Id you provided does not exist in our records."},
	"InvalidArgument":                      {400, "Invalid Argument"},
	"InvalidBucketName":                    {400, "The specified bucket is not valid."},
	"InvalidStorageClass":                  {400, "The storage class you specified is not valid"},
	"InvalidBucketOwnerAWSAccountID":       {400, "The value of the expected bucket owner parameter must be an AWS Account ID."},
	"InvalidDigest":                        {400, "The Content-MD5 you specified is not valid."},
	"InvalidLocationConstraint":            {400, "The specified location-constraint is not valid"},
	"InvalidPart":                          {400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."},
	"InvalidPartOrder":                     {400, "The list of parts was not in ascending order. Parts must be ordered by part number."},
	"InvalidRedirectLocation":              {400, "The website redirect location must have a prefix of 'http://' or 'https://' or '/'."},
	"InvalidRange":                         {416, "The requested range is not satisfiable"},
	"InvalidRequest":                       {400, "Invalid Request"},
	"InvalidToken":                         {400, "The provided token is malformed or otherwise invalid."},
	"KeyTooLongError":                      {400, "Your key is too long"},
	"MalformedACLError":                    {400, "The XML you provided was not well-formed or did not validate against our published schema"},
	"MalformedXML":                         {400, "The XML you provided was not well-formed or did not validate against our published schema"},
	"MaxMessageLengthExceeded":             {400, "Your request was too big."},
	"MetadataTooLarge":                     {400, "Your metadata headers exceed the maximum allowed metadata size"},
	"MethodNotAllowed":                     {405, "The specified method is not allowed against this resource."},
	"MissingContentLength":                 {411, "You must provide the Content-Length HTTP header."},
	"MissingSecurityHeader":                {400, "Your request is missing a required header."},
	"NoSuchBucket":                         {404, "The specified bucket does not exist"},
	"NoSuchPublicAccessBlockConfiguration": {404, "The public access block configuration was not found"},
	"NoSuchBucketPolicy":                   {404, "The bucket policy does not exist"},
	"NoSuchCORSConfiguration":              {404, "The CORS configuration does not exist"},
	"NoSuchKey":                            {404, "The specified key does not exist."},
	"NoSuchTagSet":                         {404, "The TagSet does not exist"},
	"ServerSideEncryptionConfigurationNotFoundError": {404, "The server side encryption configuration was not found"},
	"NoSuchUpload":              {404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."},
	"NotImplemented":            {501, "A header you provided implies functionality that is not implemented."},
	"OperationAborted":          {409, "A conflicting conditional operation is currently in progress against this resource. Please try again."},
	"PreconditionFailed":        {412, "At least one of the pre-conditions you specified did not hold"},
	"RequestTimeTooSkewed":      {403, "The difference between the request time and the current time is too large."},
	"RequestTimeout":            {400, "Your socket connection to the server was not read from or written to within the timeout period."},
	"ServiceUnavailable":        {503, "Please reduce your request rate."},
	"SignatureDoesNotMatch":     {403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."},
	"XAmzContentSHA256Mismatch": {400, "The provided 'x-amz-content-sha256' header does not match what was computed."},

	// Bucket configuration, ownership, batch delete, browser uploads and CORS.
	"AccessForbidden":                     {403, "CORSResponse: This CORS request is not allowed."},
	"BadRequest":                          {400, "Bad Request"},
	"IncorrectNumberOfFilesInPostRequest": {400, "POST requires exactly one file upload per request."},
	"InvalidBucketAclWithObjectOwnership": {400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"},
	"InvalidPolicyDocument":               {400, "Invalid Policy: Invalid JSON."},
	"InvalidTag":                          {400, "The TagKey you have provided is invalid"},
	"MalformedPOSTRequest":                {400, "The body of your POST request is not well-formed multipart/form-data."},
	"MalformedPolicy":                     {400, "Policies must be valid JSON and the first byte must be '{'"},
	"MaxPostPreDataLengthExceeded":        {400, "Your POST request fields preceding the upload file were too large."},
	"NoSuchVersion":                       {404, "The specified version does not exist."},

	// Object Lock.
	"InvalidBucketState":                   {409, "The request is not valid with the current state of the bucket."},
	"NoSuchObjectLockConfiguration":        {404, "The specified object does not have a ObjectLock configuration"},
	"ObjectLockConfigurationNotFoundError": {404, "Object Lock configuration does not exist for this bucket"},
}

// kindCodes turns the kind of an error that carries no code into S3's code.
var kindCodes = map[wicket.Kind]string{
	wicket.Invalid:         "InvalidRequest",
	wicket.NotFound:        "NoSuchKey",
	wicket.Conflict:        "OperationAborted",
	wicket.AccessDenied:    "AccessDenied",
	wicket.Unauthenticated: "AccessDenied",
	wicket.Expired:         "AccessDenied",
	wicket.NotImplemented:  "NotImplemented",
	wicket.TooLarge:        "EntityTooLarge",
	wicket.Unavailable:     "ServiceUnavailable",
	wicket.Internal:        "InternalError",
	wicket.Other:           "InternalError",
}

// errorBody is S3's error document. The optional elements are the details
// AWS adds for particular codes.
type errorBody struct {
	XMLName               xml.Name `xml:"Error"`
	Code                  string
	Message               string
	Key                   xmlText `xml:",omitempty"`
	BucketName            string  `xml:",omitempty"`
	Resource              string  `xml:",omitempty"`
	Region                string  `xml:",omitempty"`
	AWSAccessKeyID        string  `xml:"AWSAccessKeyId,omitempty"`
	StringToSign          string  `xml:",omitempty"`
	SignatureProvided     string  `xml:",omitempty"`
	StringToSignBytes     string  `xml:",omitempty"`
	CanonicalRequest      string  `xml:",omitempty"`
	CanonicalRequestBytes string  `xml:",omitempty"`
	RequestTime           string  `xml:",omitempty"`
	ServerTime            string  `xml:",omitempty"`
	MaxAllowedSkew        string  `xml:"MaxAllowedSkewMilliseconds,omitempty"`
	XAmzExpires           string  `xml:"X-Amz-Expires,omitempty"`
	Expires               string  `xml:",omitempty"`
	HeadersNotSigned      string  `xml:",omitempty"`
	ActualObjectSize      string  `xml:",omitempty"`
	RangeRequested        string  `xml:",omitempty"`
	Condition             string  `xml:",omitempty"`
	Header                string  `xml:",omitempty"`
	ArgumentName          string  `xml:",omitempty"`
	ArgumentValue         string  `xml:",omitempty"`
	ProposedSize          string  `xml:",omitempty"`
	MinSizeAllowed        string  `xml:",omitempty"`
	MaxSizeAllowed        string  `xml:",omitempty"`
	Size                  string  `xml:",omitempty"`
	ClientComputedSHA256  string  `xml:"ClientComputedContentSHA256,omitempty"`
	S3ComputedSHA256      string  `xml:"S3ComputedContentSHA256,omitempty"`
	UploadID              string  `xml:"UploadId,omitempty"`
	PartNumber            string  `xml:",omitempty"`
	ETag                  string  `xml:",omitempty"`
	ActualPartCount       string  `xml:",omitempty"`            // InvalidPartNumber
	PartNumberRequested   string  `xml:",omitempty"`            // InvalidPartNumber
	ExpectedDigest        string  `xml:",omitempty"`            // BadDigest of a Content-MD5, hex
	CalculatedDigest      string  `xml:",omitempty"`            // BadDigest of a Content-MD5, base64
	ContentMD5            string  `xml:"Content-MD5,omitempty"` // InvalidDigest
	Method                string  `xml:",omitempty"`            // refused CORS preflight
	ResourceType          string  `xml:",omitempty"`            // refused CORS preflight
	RequestID             string  `xml:"RequestId"`
	HostID                string  `xml:"HostId"`
}

// apiError is an error with an S3 code decided at the edge, plus details.
type apiError struct {
	code    string
	message string
	detail  func(*errorBody)
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// errCode makes an error with S3 code and, optionally, a message other than
// the table's.
func errCode(code string, message ...string) error {
	e := &apiError{code: code}
	if len(message) > 0 {
		e.message = message[0]
	}
	return e
}

// entityTooLarge is EntityTooLarge with the sizes S3 reports.
func entityTooLarge(proposed, maxAllowed int64) error {
	return errCodeDetail("EntityTooLarge", func(e *errorBody) {
		e.ProposedSize = strconv.FormatInt(proposed, 10)
		e.MaxSizeAllowed = strconv.FormatInt(maxAllowed, 10)
	})
}

// entityTooSmall is EntityTooSmall with the sizes S3 reports.
func entityTooSmall(proposed, minAllowed int64) error {
	return errCodeDetail("EntityTooSmall", func(e *errorBody) {
		e.ProposedSize = strconv.FormatInt(proposed, 10)
		e.MinSizeAllowed = strconv.FormatInt(minAllowed, 10)
	})
}

func spaced(b []byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(b)*3)
	for i, c := range b {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, hex[c>>4], hex[c&15])
	}
	return string(out)
}

// render decides code, status and body for err.
func render(err error, resource, requestID string) (int, *errorBody) {
	body := &errorBody{Resource: resource, RequestID: requestID, HostID: requestID}
	var ae *apiError
	var se *sigv4.Error
	switch {
	case errors.As(err, &ae):
		body.Code, body.Message = ae.code, ae.message
		if ae.detail != nil {
			ae.detail(body)
		}
	case errors.As(err, &se):
		body.Code, body.Message = se.Code, se.Message
		body.AWSAccessKeyID = se.AccessKeyID
		if se.Code == sigv4.CodeSignatureDoesNotMatch {
			body.StringToSign, body.CanonicalRequest = se.StringToSign, se.CanonicalRequest
			body.StringToSignBytes = spaced([]byte(se.StringToSign))
			body.CanonicalRequestBytes = spaced([]byte(se.CanonicalRequest))
			body.SignatureProvided = se.SignatureProvided
		}
		body.Region, body.RequestTime, body.ServerTime = se.Region, se.RequestTime, se.ServerTime
		if se.MaxSkew > 0 {
			body.MaxAllowedSkew = strconv.FormatInt(se.MaxSkew.Milliseconds(), 10)
		}
		body.XAmzExpires, body.Expires, body.HeadersNotSigned = se.AmzExpires, se.Expires, se.HeadersNotSigned
		body.ArgumentName, body.ArgumentValue = se.ArgumentName, se.ArgumentValue
		if se.Status != 0 {
			if _, ok := errorTable[se.Code]; !ok {
				return se.Status, body
			}
		}
	default:
		body.Code = wicket.CodeOf(err)
		if body.Code == "" {
			body.Code = kindCodes[wicket.KindOf(err)]
		}
		body.Message = wicket.MessageOf(err)
	}
	row, ok := errorTable[body.Code]
	if !ok {
		row = s3Error{status: http.StatusBadRequest}
		if wicket.KindOf(err) == wicket.Internal || body.Code == "InternalError" {
			row.status = http.StatusInternalServerError
		}
	}
	if body.Message == "" {
		body.Message = row.message
	}
	return row.status, body
}
