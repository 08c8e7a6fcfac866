"""boto3 against a running Wicket: the same story as the AWS CLI checks.

Prints one PASS/FAIL line per check; run by scripts/interop/run.sh.
"""
import hashlib
import io
import os
import sys
import traceback
import urllib.request
import urllib.error

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, work = sys.argv[1], sys.argv[2]
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
)
checks = []


def check(name):
    def wrap(fn):
        checks.append((name, fn))
        return fn
    return wrap


def code_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


B = "boto-bucket"
data = os.urandom(1_500_000)


@check("boto3: create bucket, head bucket")
def _():
    s3.create_bucket(Bucket=B)
    s3.head_bucket(Bucket=B)
    assert code_of(lambda: s3.create_bucket(Bucket=B)) == "BucketAlreadyOwnedByYou"


@check("boto3: put/get with metadata and odd keys")
def _():
    for key in ["plain.bin", "a//b", "../x", "sp ace+plus", "emoji-\U0001F600", "%2F"]:
        s3.put_object(Bucket=B, Key=key, Body=data, ContentType="application/x-test", Metadata={"k": "v"})
        got = s3.get_object(Bucket=B, Key=key)
        assert got["Body"].read() == data, key
        assert got["ContentType"] == "application/x-test" and got["Metadata"] == {"k": "v"}, key
        assert got["ETag"] == '"%s"' % hashlib.md5(data).hexdigest(), key


@check("boto3: ranged and conditional get")
def _():
    got = s3.get_object(Bucket=B, Key="plain.bin", Range="bytes=100-199")
    assert got["Body"].read() == data[100:200]
    assert got["ContentRange"] == "bytes 100-199/%d" % len(data)
    etag = s3.head_object(Bucket=B, Key="plain.bin")["ETag"]
    assert code_of(lambda: s3.get_object(Bucket=B, Key="plain.bin", IfNoneMatch=etag)) == "304"
    assert code_of(lambda: s3.get_object(Bucket=B, Key="plain.bin", IfMatch='"x"')) == "PreconditionFailed"
    assert code_of(lambda: s3.get_object(Bucket=B, Key="plain.bin", Range="bytes=99999999-")) == "InvalidRange"


@check("boto3: list v2 paginated with delimiter")
def _():
    for i in range(7):
        s3.put_object(Bucket=B, Key="page/%02d" % i, Body=b"x")
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=B, Prefix="page/", PaginationConfig={"PageSize": 3}):
        keys += [o["Key"] for o in page.get("Contents", [])]
    assert keys == ["page/%02d" % i for i in range(7)], keys
    top = s3.list_objects_v2(Bucket=B, Delimiter="/")
    assert {p["Prefix"] for p in top.get("CommonPrefixes", [])} >= {"page/", "a/"}, top


@check("boto3: upload_fileobj multipart and download")
def _():
    big = os.urandom(12 * 1024 * 1024)
    cfg = boto3.s3.transfer.TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    s3.upload_fileobj(io.BytesIO(big), B, "big.bin", Config=cfg)
    assert s3.head_object(Bucket=B, Key="big.bin")["ETag"].endswith('-3"')
    out = io.BytesIO()
    s3.download_fileobj(B, "big.bin", out, Config=cfg)
    assert out.getvalue() == big


@check("boto3: copy object")
def _():
    s3.copy_object(Bucket=B, Key="copy.bin", CopySource={"Bucket": B, "Key": "plain.bin"})
    assert s3.get_object(Bucket=B, Key="copy.bin")["Body"].read() == data


@check("boto3: presigned GET works, expired one is refused")
def _():
    url = s3.generate_presigned_url("get_object", Params={"Bucket": B, "Key": "plain.bin"}, ExpiresIn=60)
    assert urllib.request.urlopen(url).read() == data
    bad = url.replace("plain.bin", "copy.bin")
    try:
        urllib.request.urlopen(bad)
        raise AssertionError("tampered URL was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 403, e.code


@check("boto3: delete object, missing key")
def _():
    s3.delete_object(Bucket=B, Key="copy.bin")
    assert code_of(lambda: s3.get_object(Bucket=B, Key="copy.bin")) == "NoSuchKey"
    s3.delete_object(Bucket=B, Key="never-existed")  # S3 answers 204 all the same


@check("boto3: delete bucket")
def _():
    assert code_of(lambda: s3.delete_bucket(Bucket=B)) == "BucketNotEmpty"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=B):
        for o in page.get("Contents", []):
            s3.delete_object(Bucket=B, Key=o["Key"])
    s3.delete_bucket(Bucket=B)
    assert code_of(lambda: s3.head_bucket(Bucket=B)) == "404"


for name, fn in checks:
    try:
        fn()
        print("PASS", name)
    except Exception:
        print("FAIL", name)
        for line in traceback.format_exc().splitlines()[-8:]:
            print("    " + line)
    sys.stdout.flush()
