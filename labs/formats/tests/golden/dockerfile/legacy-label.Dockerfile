FROM alpine:3.20
LABEL maintainer "Jane Doe <jane@example.com>"
LABEL version="1.0" description="legacy and modern"
ENV PATH /usr/local/bin:$PATH
