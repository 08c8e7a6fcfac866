package main

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/spf13/cobra"

	"github.com/wicket-io/wicket/setup"
)

func newBucketCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bucket",
		Short: "Manage buckets",
		Long: `The bucket commands call S3 with administrator credentials, from the flags
or the standard AWS chain.`,
	}
	cmd.AddCommand(newBucketListCmd(), newBucketCreateCmd(), newBucketDeleteCmd())
	return cmd
}

func newBucketListCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List buckets: name and creation time",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			type entry struct {
				Name    string    `json:"name"`
				Created time.Time `json:"creationDate"`
			}
			buckets := []entry{}
			pages := s3.NewListBucketsPaginator(c.S3, &s3.ListBucketsInput{})
			for pages.HasMorePages() {
				out, err := pages.NextPage(ctx)
				if err != nil {
					return apiError("list buckets", err)
				}
				for _, b := range out.Buckets {
					buckets = append(buckets, entry{aws.ToString(b.Name), aws.ToTime(b.CreationDate).UTC()})
				}
			}
			return printList(cmd, &o, buckets, func(b entry) []string { return []string{b.Name, b.Created.Format(time.RFC3339)} })
		},
	}
	o.addFlags(cmd.Flags(), true)
	return cmd
}

func newBucketCreateCmd() *cobra.Command {
	var o adminOptions
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a bucket (nothing to do if it exists)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			s, err := setup.EnsureBucket(ctx, c.S3, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), s, args[0])
			return nil
		},
	}
	o.addFlags(cmd.Flags(), false)
	return cmd
}

func newBucketDeleteCmd() *cobra.Command {
	var (
		o     adminOptions
		force bool
	)
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a bucket; with --force, its objects and unfinished uploads first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := o.connect(cmd)
			if err != nil {
				return err
			}
			bucket := aws.String(args[0])
			if force {
				n, err := emptyBucket(cmd, c.S3, bucket)
				if err != nil {
					return err
				}
				if n > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "deleted %d objects\n", n)
				}
			}
			if _, err := c.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bucket}); err != nil {
				var hint string
				if !force && apiCode(err) == "BucketNotEmpty" {
					hint = " (--force deletes its objects first)"
				}
				return fmt.Errorf("%w%s", apiError("delete bucket "+args[0], err), hint)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "deleted", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "delete the bucket's objects and abort its unfinished uploads first")
	o.addFlags(cmd.Flags(), false)
	return cmd
}

// emptyBucket deletes every object of a bucket, a page (at most 1000, one
// DeleteObjects call) at a time, and aborts its multipart uploads.
func emptyBucket(cmd *cobra.Command, c *s3.Client, bucket *string) (int, error) {
	ctx := cmd.Context()
	n := 0
	pages := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: bucket})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return n, apiError("list objects of bucket "+*bucket, err)
		}
		if len(out.Contents) == 0 {
			continue
		}
		ids := make([]s3types.ObjectIdentifier, len(out.Contents))
		for i, o := range out.Contents {
			ids[i] = s3types.ObjectIdentifier{Key: o.Key}
		}
		del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: bucket, Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return n, apiError("delete objects of bucket "+*bucket, err)
		}
		if len(del.Errors) > 0 {
			e := del.Errors[0]
			return n, fmt.Errorf("delete %s of bucket %s: %s: %s", aws.ToString(e.Key), *bucket, aws.ToString(e.Code), aws.ToString(e.Message))
		}
		n += len(ids)
	}
	var keyMarker, idMarker *string
	for {
		out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: bucket, KeyMarker: keyMarker, UploadIdMarker: idMarker})
		if err != nil {
			return n, apiError("list the uploads of bucket "+*bucket, err)
		}
		for _, u := range out.Uploads {
			if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: bucket, Key: u.Key, UploadId: u.UploadId}); err != nil {
				return n, apiError("abort upload of "+aws.ToString(u.Key), err)
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return n, nil
		}
		keyMarker, idMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}
