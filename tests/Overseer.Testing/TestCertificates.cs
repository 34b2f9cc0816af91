using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Overseer.Testing;

/// <summary>A private certificate authority and a server certificate it issued for 127.0.0.1, as PEM files in a temp
/// directory of their own (deleted on dispose): what a team runs an internal Redis with TLS on.</summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory) => Directory = directory;

    /// <summary>The directory holding the files.</summary>
    public string Directory { get; }

    /// <summary>The authority's certificate: what a client must trust.</summary>
    public string CaPath => Path.Combine(Directory, "ca.pem");

    /// <summary>The server's certificate (subject alternative name: IP 127.0.0.1).</summary>
    public string CertPath => Path.Combine(Directory, "server.pem");

    /// <summary>The server's private key (PKCS#8).</summary>
    public string KeyPath => Path.Combine(Directory, "server.key");

    public static TestCertificates Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("overseer-tls-").FullName;
        var now = DateTimeOffset.UtcNow;

        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Overseer test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, critical: false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        var certificates = new TestCertificates(directory);
        File.WriteAllText(certificates.CaPath, ca.ExportCertificatePem());
        File.WriteAllText(certificates.CertPath, server.ExportCertificatePem());
        File.WriteAllText(certificates.KeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        return certificates;
    }

    /// <summary>redis-server arguments that serve TLS on <paramref name="tlsPort"/> with these files (clients are not asked
    /// for certificates).</summary>
    public IReadOnlyList<string> RedisArguments(int tlsPort) =>
    [
        "--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--tls-cert-file", CertPath,
        "--tls-key-file", KeyPath,
        "--tls-ca-cert-file", CaPath,
        "--tls-auth-clients", "no",
    ];

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory.
        }
    }
}
