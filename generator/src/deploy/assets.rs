//! Publishing the file assets a template needs to the CDK bootstrap bucket, as `cdk-assets`
//! does: an object already there (its key is the asset's hash) is not uploaded again.

use std::io::{Cursor, Write as _};
use std::path::Path;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;

use super::assembly::{Environment, FileAsset, Packaging};
use super::{DeployError, say};

/// Uploads every destination of every asset that is not there yet.
pub async fn publish(
    s3: &aws_sdk_s3::Client,
    assets: &[FileAsset],
    environment: &Environment,
) -> Result<(), DeployError> {
    let total: usize = assets.iter().map(|a| a.destinations.len()).sum();
    let mut done = 0;
    for asset in assets {
        for (bucket, key) in &asset.destinations {
            done += 1;
            let (bucket, key) = (environment.resolve(bucket), environment.resolve(key));
            let exists = s3.head_object().bucket(&bucket).key(&key).send().await;
            match exists {
                Ok(_) => {
                    say(&format!(
                        "  [{done}/{total}] {}: already published",
                        asset.display_name
                    ));
                    continue;
                }
                Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => {}
                Err(err) => {
                    return Err(DeployError::Aws(format!(
                        "checking s3://{bucket}/{key}: {}",
                        DisplayErrorContext(&err)
                    )));
                }
            }
            let body = package(asset)?;
            let size = body.len();
            s3.put_object()
                .bucket(&bucket)
                .key(&key)
                .body(ByteStream::from(body))
                .send()
                .await
                .map_err(|err| {
                    DeployError::Aws(format!(
                        "uploading {} to s3://{bucket}/{key}: {}",
                        asset.display_name,
                        DisplayErrorContext(&err)
                    ))
                })?;
            say(&format!(
                "  [{done}/{total}] {}: uploaded {}",
                asset.display_name,
                megabytes(size)
            ));
        }
    }
    Ok(())
}

/// The bytes to upload: the file itself, or the directory zipped.
fn package(asset: &FileAsset) -> Result<Vec<u8>, DeployError> {
    let io_error = |source| DeployError::Io {
        context: format!(
            "cannot package asset {} ({})",
            asset.display_name,
            asset.source.display()
        ),
        source,
    };
    if asset.packaging == Packaging::Zip && asset.source.is_dir() {
        zip_directory(&asset.source).map_err(io_error)
    } else {
        std::fs::read(&asset.source).map_err(io_error)
    }
}

/// The directory's files in a zip archive: sorted paths, a fixed timestamp and each file's
/// Unix permissions (Lambda runs `bootstrap` only if it is executable).
pub fn zip_directory(dir: &Path) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::PermissionsExt;
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    files.sort();
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for relative in files {
        let path = dir.join(&relative);
        let mode = path.metadata()?.permissions().mode();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(mode & 0o777);
        archive
            .start_file(relative.as_str(), options)
            .map_err(std::io::Error::other)?;
        archive.write_all(&std::fs::read(&path)?)?;
    }
    Ok(archive
        .finish()
        .map_err(std::io::Error::other)?
        .into_inner())
}

/// Every file under `dir`, as `/`-separated paths relative to `root`.
fn collect_files(root: &Path, dir: &Path, files: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(root, &path, files)?;
        } else {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(parts.join("/"));
        }
    }
    Ok(())
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_directory_zips_deterministically_and_keeps_the_executable_bit() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("bootstrap"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            dir.path().join("bootstrap"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::fs::write(dir.path().join("sub/a.txt"), "a").unwrap();
        let first = zip_directory(dir.path()).unwrap();
        assert_eq!(first, zip_directory(dir.path()).unwrap());
        let mut archive = zip::ZipArchive::new(Cursor::new(first)).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect();
        assert_eq!(names, ["bootstrap", "sub/a.txt"]);
        assert_eq!(
            archive.by_name("bootstrap").unwrap().unix_mode().unwrap() & 0o777,
            0o755
        );
        let mut text = String::new();
        archive
            .by_name("sub/a.txt")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "a");
    }
}
