#!/usr/bin/env bash
# An external CA built with the openssl command-line tool — a PKI that our code did not write —
# for the external-CA tests: a provincial root, a subordinate CA delegated to one hall (its key is
# handed to Tongban to issue applicant session certificates), the hall's e-seal and one clerk
# certificate, an OCSP signer, a CRL, and PKCS#12 exports laid out the way
# `--pki-external DIR` expects them. Also a few deliberately unusable credentials under bad/.
#
# Each credential carries its Tongban role as a certificate policy (docsign's SignerRole): the hall's
# delegated CA lists the applicant role it may issue, the seal and clerk certificates their own role.
#
# usage: make-ca.sh OUT_DIR HALL_ID CLERK_ID REVOKED_CLERK_ID PASSWORD OCSP_URL CRL_URL
set -euo pipefail
roles=2.25.100875731199176412876142459979430237856
applicant_role=$roles.1 clerk_role=$roles.2 seal_role=$roles.3
out=$1 hall=$2 clerk=$3 revoked_clerk=$4 pass=$5 ocsp_url=$6 crl_url=$7
ca=$out/ca
mkdir -p "$ca/newcerts" "$out/trust" "$out/$hall/clerks" "$out/bad"
: > "$ca/index.txt"
echo 1000 > "$ca/serial"
echo 1000 > "$ca/crlnumber"
cat > "$ca/openssl.cnf" <<CNF
[ ca ]
default_ca = provincial
[ provincial ]
dir = $ca
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/root.pem
private_key = \$dir/root.key
default_md = sha256
default_days = 730
default_crl_days = 7
policy = anything
unique_subject = no
copy_extensions = none
utf8 = yes
string_mask = utf8only
[ anything ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
serialNumber = optional
[ req ]
distinguished_name = dn
utf8 = yes
string_mask = utf8only
[ dn ]
[ root_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ hall_ca_ext ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$ocsp_url
crlDistributionPoints = URI:$crl_url
certificatePolicies = $applicant_role
[ signer_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$ocsp_url
crlDistributionPoints = URI:$crl_url
[ seal_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$ocsp_url
crlDistributionPoints = URI:$crl_url
certificatePolicies = $seal_role
[ clerk_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:$ocsp_url
crlDistributionPoints = URI:$crl_url
certificatePolicies = $clerk_role
[ ocsp_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, OCSPSigning
noCheck = ignored
CNF
cnf=$ca/openssl.cnf
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
issue() { # name subject extension [extra ca args...]
  local n=$1 subj=$2 ext=$3; shift 3
  key "$ca/$n.key"
  openssl req -new -config "$cnf" -utf8 -key "$ca/$n.key" -subj "$subj" -out "$ca/$n.csr"
  openssl ca -batch -config "$cnf" -extensions "$ext" -in "$ca/$n.csr" -out "$ca/$n.pem" -notext "$@" 2>/dev/null
}
p12() { # name out-file
  openssl pkcs12 -export -inkey "$ca/$1.key" -in "$ca/$1.pem" -certfile "$ca/root.pem" \
    -name "$1" -passout "pass:$pass" -out "$2"
}

key "$ca/root.key"
openssl req -new -x509 -config "$cnf" -utf8 -key "$ca/root.key" -days 3650 -extensions root_ext \
  -subj "/C=CN/O=江苏省电子认证测试中心/CN=Jiangsu Test Provincial Root CA" -out "$ca/root.pem"
cp "$ca/root.pem" "$out/trust/provincial-root.pem"

issue hall-ca "/C=CN/O=常州市武进区不动产登记中心/CN=武进区通办窗口签发 CA" hall_ca_ext
issue seal "/C=CN/O=常州市武进区不动产登记中心/OU=电子印章/CN=常州市武进区不动产登记中心电子印章" seal_ext
issue clerk "/C=CN/O=常州市武进区不动产登记中心/OU=窗口工作人员/serialNumber=$clerk/CN=王丽" clerk_ext
issue ocsp "/C=CN/O=江苏省电子认证测试中心/CN=Jiangsu Test OCSP Responder" ocsp_ext
p12 hall-ca "$out/$hall/ca.p12"
p12 seal "$out/$hall/seal.p12"
p12 clerk "$out/$hall/clerks/$clerk.p12"
# A clerk whose certificate the external CA has revoked (key compromise).
issue clerk2 "/C=CN/O=常州市武进区不动产登记中心/OU=窗口工作人员/serialNumber=$revoked_clerk/CN=赵强" clerk_ext
p12 clerk2 "$out/$hall/clerks/$revoked_clerk.p12"
openssl ca -batch -config "$cnf" -revoke "$ca/clerk2.pem" -crl_reason keyCompromise 2>/dev/null

# Unusable credentials, each wrong in one way.
issue seal-as-ca "/C=CN/O=常州市武进区不动产登记中心/CN=印章误签为 CA" hall_ca_ext
p12 seal-as-ca "$out/bad/seal-is-a-ca.p12"
issue no-role "/C=CN/O=常州市武进区不动产登记中心/serialNumber=$clerk/CN=无角色证书" signer_ext
p12 no-role "$out/bad/clerk-without-role.p12"
issue clerk-as-seal "/C=CN/O=常州市武进区不动产登记中心/OU=电子印章/CN=以工作人员证书充当印章" clerk_ext
p12 clerk-as-seal "$out/bad/seal-with-clerk-role.p12"
issue expired "/C=CN/O=常州市武进区不动产登记中心/serialNumber=$clerk/CN=过期证书" signer_ext \
  -startdate 20200101000000Z -enddate 20210101000000Z
p12 expired "$out/bad/expired.p12"
key "$ca/stranger.key"
openssl req -new -x509 -config "$cnf" -utf8 -key "$ca/stranger.key" -days 365 -extensions signer_ext \
  -subj "/C=CN/CN=自签名陌生人" -out "$ca/stranger.pem" 2>/dev/null || \
openssl req -new -x509 -utf8 -key "$ca/stranger.key" -days 365 -subj "/C=CN/CN=stranger" -out "$ca/stranger.pem"
openssl pkcs12 -export -inkey "$ca/stranger.key" -in "$ca/stranger.pem" -name stranger \
  -passout "pass:$pass" -out "$out/bad/stranger.p12"

openssl ca -batch -config "$cnf" -gencrl -out "$ca/root.crl.pem" 2>/dev/null
openssl crl -in "$ca/root.crl.pem" -outform DER -out "$ca/root.crl"
