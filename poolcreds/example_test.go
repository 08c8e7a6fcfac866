package poolcreds_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/wicket-io/wicket/internal/testenv"
	"github.com/wicket-io/wicket/poolcreds"
	"github.com/wicket-io/wicket/server"
)

// startWicket starts an in-process Wicket with a bucket "assets" and an
// identity pool whose guests may read assets/public/*, and returns its
// URL, the pool id, and a function that stops it. The examples run
// against it; against AWS, leave Endpoint empty.
func startWicket() (endpoint, pool string, stop func()) {
	dir, err := os.MkdirTemp("", "poolcreds-example")
	if err != nil {
		log.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(server.Config{Region: testenv.Region, Root: testenv.Root, DataDir: dir,
		Issuer: "http://" + hs.Listener.Addr().String(), AllowHTTPIssuers: true})
	if err != nil {
		log.Fatal(err)
	}
	hs.Config.Handler = srv
	hs.Start()
	stop = func() {
		hs.Close()
		srv.Close()
		os.RemoveAll(dir)
	}
	pool, err = setUp(context.Background(), hs.URL, hs.Client(), "", "")
	if err != nil {
		stop()
		log.Fatal(err)
	}
	return hs.URL, pool, stop
}

func ExampleNew() {
	endpoint, pool, stop := startWicket()
	defer stop()
	ctx := context.Background()

	// A guest of the pool: no login, no keys of its own.
	guest := poolcreds.New(poolcreds.Options{IdentityPoolID: pool, Endpoint: endpoint})

	// Any SDK client takes it, and refreshes through it.
	client := s3.New(s3.Options{Region: "us-east-1", Credentials: guest,
		BaseEndpoint: aws.String(endpoint), UsePathStyle: true})
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("assets"), Key: aws.String("public/logo.png")})
	if err != nil {
		log.Fatal(err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	fmt.Printf("%s\n", b)

	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("assets"), Key: aws.String("secret/plan.txt")})
	fmt.Println("secret refused:", err != nil)
	// Output:
	// bytes of public/logo.png
	// secret refused: true
}

func ExamplePresignGet() {
	endpoint, pool, stop := startWicket()
	defer stop()
	ctx := context.Background()

	guest := poolcreds.New(poolcreds.Options{IdentityPoolID: pool, Endpoint: endpoint})
	obj := poolcreds.Object{Endpoint: endpoint, Region: "us-east-1", Bucket: "assets", Key: "public/logo.png"}

	// Guest credentials last an hour, and so does any URL made with them,
	// whatever it asks for.
	for _, asked := range []time.Duration{15 * time.Minute, 24 * time.Hour} {
		url, until, err := poolcreds.PresignGet(ctx, guest, obj, asked)
		if err != nil {
			log.Fatal(err)
		}
		resp, err := http.Get(url) // an <img src>, a curl, anyone
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Printf("asked for %v: %s, works for about %v\n", asked, resp.Status, time.Until(until).Round(time.Hour/4))
	}
	// Output:
	// asked for 15m0s: 200 OK, works for about 15m0s
	// asked for 24h0m0s: 200 OK, works for about 1h0m0s
}
