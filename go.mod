module github.com/payhook/payhook

go 1.26

require github.com/matryer/is v1.4.1
